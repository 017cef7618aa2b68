/**
 * Where the portal and the reviewer queue show an API refusal: next to the form field it concerns
 * (API.md "Merchant programmes and trade-in"), or above the form when it concerns no one field.
 */

/** An antd form field's name path, e.g. ["sales", "lastYear"]; [] for the form as a whole. */
export type FieldPath = (string | number)[];

export interface FieldError {
  name: FieldPath;
  message: string;
}

/**
 * The field each refusal code concerns; VALIDATION_FAILED names its own fields in `details`. A
 * programme's budget or exclusive group concerns no field: RefusalAlert names them above the form.
 */
const FIELD_OF_CODE: Record<string, FieldPath> = {
  NOT_FILED: ["filing"],
  MONTH_NOT_ENDED: ["month"],
  ALREADY_APPLIED: ["month"],
  NO_BASE_YEAR_SALES: ["sales", "lastYear"],
  ATTACHMENT_INVALID: ["attachments"],
  DUPLICATE_INVOICE: ["invoiceNumber"],
  FILING_CLOSED: ["filing"],
};

function isIssue(value: unknown): value is { path: string; message: string } {
  return typeof value === "object" && value !== null && typeof (value as { path?: unknown }).path === "string" && typeof (value as { message?: unknown }).message === "string";
}

/** The field errors of a refusal (`code`, `message`, `details` as ErrorBody carries them). */
export function fieldErrorsOf(error: { code: string; message: string; details?: unknown }): FieldError[] {
  if (error.code === "VALIDATION_FAILED" && Array.isArray(error.details)) {
    const issues = error.details.filter(isIssue);
    if (issues.length > 0) {
      // "sales.current" → ["sales", "current"]; "attachments.0" → ["attachments"] (one field holds them all).
      return issues.map((issue) => ({ name: issue.path === "" ? [] : issue.path.split(".").filter((part) => !/^\d+$/.test(part)), message: issue.message }));
    }
  }
  return [{ name: FIELD_OF_CODE[error.code] ?? [], message: error.message }];
}
