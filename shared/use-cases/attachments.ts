/**
 * Evidence files (API.md "Merchant programmes and trade-in"): a merchant declares a file and gets
 * a presigned PUT; an application or trade-in that references files has each checked against the
 * stored object; a reviewer reads them through presigned GETs.
 */
import { randomUUID } from "node:crypto";
import type { AttachmentDownload, AttachmentUploadRequest } from "../api/attachment-schemas.js";
import { type Attachment, attachmentObjectKey, attachmentProblem } from "../domain/attachment.js";
import { AttachmentInvalidError } from "../errors.js";
import type { ObjectStore } from "../object-store.js";
import { getAttachments, putAttachment } from "../store/attachments.js";
import type { Dependencies } from "./dependencies.js";

/** What the attachment use cases are given: the declarations' table and the evidence bucket. */
export interface AttachmentDependencies extends Dependencies<"attachments"> {
  readonly evidence: ObjectStore;
}

/** Records the file `merchantId` is about to upload and returns where to PUT it. */
export async function requestAttachmentUpload(
  input: AttachmentDependencies & { merchantId: string; request: AttachmentUploadRequest; newId?: () => string },
): Promise<{ attachmentId: string; uploadUrl: string }> {
  const id = (input.newId ?? randomUUID)();
  const attachment: Attachment = {
    id,
    merchantId: input.merchantId,
    fileName: input.request.fileName,
    contentType: input.request.contentType,
    size: input.request.size,
    objectKey: attachmentObjectKey(input.merchantId, id),
    createdAt: input.now().toISOString(),
  };
  await putAttachment(input.db, input.tables.attachments, attachment);
  return { attachmentId: id, uploadUrl: await input.evidence.uploadUrl(attachment.objectKey, attachment.contentType, attachment.size) };
}

/**
 * The attachments `ids`, each `merchantId`'s own and uploaded as declared (real size and type, by
 * a HEAD of the object); otherwise 400 ATTACHMENT_INVALID naming the first that is not.
 */
export async function checkAttachments(input: AttachmentDependencies & { merchantId: string; ids: readonly string[] }): Promise<Attachment[]> {
  if (input.ids.length === 0) return [];
  const declared = await getAttachments(input.db, input.tables.attachments, input.ids);
  const checked: Attachment[] = [];
  for (const id of new Set(input.ids)) {
    const attachment = declared.get(id);
    // Only the caller's own objects are looked at; another merchant's file reads as unknown, so its existence is not disclosed.
    const stored = attachment?.merchantId === input.merchantId ? await input.evidence.head(attachment.objectKey) : undefined;
    const problem = attachmentProblem(input.merchantId, attachment, stored);
    if (problem !== undefined) {
      const reason = problem === "not-yours" ? "unknown" : problem;
      throw new AttachmentInvalidError(`attachment ${id} cannot be used: ${reason}`, { details: { attachmentId: id, reason } });
    }
    if (attachment) checked.push(attachment);
  }
  return checked;
}

/** The attachments `ids` with presigned GETs, for a reviewer; ids without a declaration are left out. */
export async function attachmentDownloads(input: AttachmentDependencies & { ids: readonly string[] }): Promise<AttachmentDownload[]> {
  if (input.ids.length === 0) return [];
  const declared = await getAttachments(input.db, input.tables.attachments, input.ids);
  const downloads: AttachmentDownload[] = [];
  for (const id of input.ids) {
    const attachment = declared.get(id);
    if (attachment === undefined) continue;
    downloads.push({
      attachmentId: id,
      fileName: attachment.fileName,
      contentType: attachment.contentType,
      size: attachment.size,
      downloadUrl: await input.evidence.downloadUrl(attachment.objectKey, attachment.fileName),
    });
  }
  return downloads;
}
