/** GET /me/vouchers: a resident's wallet. */
import type { Voucher } from "../domain/claim.js";
import { listVouchers, toVoucher } from "../store/vouchers.js";
import type { Dependencies } from "./dependencies.js";

/** Every voucher the resident holds, newest first; the handler pages them. */
export async function listResidentVouchers(input: Pick<Dependencies<"vouchers">, "db" | "tables"> & { residentId: string }): Promise<Voucher[]> {
  const items = await listVouchers(input.db, input.tables.vouchers, input.residentId);
  return items.map(toVoucher);
}
