/**
 * Evidence files (API.md "Merchant programmes and trade-in"): what may be uploaded, and whether a
 * stored object is the file its merchant declared. Pure: the object store's answers come in as values.
 */

/** The types evidence may have: photos and scanned documents. */
export const ATTACHMENT_CONTENT_TYPES = ["image/png", "image/jpeg", "application/pdf"] as const;
export type AttachmentContentType = (typeof ATTACHMENT_CONTENT_TYPES)[number];

/** The largest evidence file, 10 MB. */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

/** What a merchant declared when it asked to upload a file. */
export interface Attachment {
  readonly id: string;
  readonly merchantId: string;
  readonly fileName: string;
  readonly contentType: AttachmentContentType;
  readonly size: number;
  /** The object's key in the evidence bucket. */
  readonly objectKey: string;
  readonly createdAt: string;
}

/** What the object store says of an object; undefined when there is none. */
export interface StoredObject {
  readonly size: number | undefined;
  readonly contentType: string | undefined;
}

/** Why an attachment cannot be referenced, or undefined when it can. */
export type AttachmentProblem = "unknown" | "not-yours" | "not-uploaded" | "size-differs" | "type-differs";

/** Where a merchant's upload is kept: one prefix per merchant, so its objects are easy to find and remove. */
export function attachmentObjectKey(merchantId: string, attachmentId: string): string {
  return `merchants/${merchantId}/${attachmentId}`;
}

/**
 * Whether `attachment` may serve as evidence for `merchantId`, given what the store holds. The
 * emulator checks neither size nor type on upload, and a presigned PUT cannot stop a larger body on
 * every store, so the real object is compared with the declaration every time it is referenced.
 */
export function attachmentProblem(
  merchantId: string,
  attachment: Attachment | undefined,
  stored: StoredObject | undefined,
): AttachmentProblem | undefined {
  if (attachment === undefined) return "unknown";
  if (attachment.merchantId !== merchantId) return "not-yours";
  if (stored === undefined) return "not-uploaded";
  if (stored.size !== attachment.size || stored.size > MAX_ATTACHMENT_BYTES) return "size-differs";
  // The stored type may carry parameters (`application/pdf; charset=binary`); its media type must match.
  const mediaType = stored.contentType?.split(";")[0]?.trim().toLowerCase();
  if (mediaType !== attachment.contentType) return "type-differs";
  return undefined;
}
