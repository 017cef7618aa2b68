/**
 * The console imports the API's budget rule (shared/domain/campaign.ts). Through
 * redemption.ts's `import type { Voucher } from "./claim.js"` the type check also reads
 * shared/domain/claim.ts, which hashes with node:crypto; the bundle never loads claim.ts (a type
 * import is erased), so this declares only what that module's types need, not Node's library.
 */
declare module "node:crypto" {
  export function createHash(algorithm: "sha256"): { update(data: string): { digest(encoding: "base64url"): string } };
}
