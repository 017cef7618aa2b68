/** Test helper: the DomainError a call rejects with; fails the test when it resolves or throws anything else. */
import { DomainError } from "../../shared/errors.js";

export async function rejection(call: Promise<unknown>): Promise<DomainError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}
