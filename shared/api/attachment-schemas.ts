/** Evidence files (API.md "Merchant programmes and trade-in"): what a merchant declares before uploading, and what it gets back. */
import * as z from "../zod.js";
import { ATTACHMENT_CONTENT_TYPES, MAX_ATTACHMENT_BYTES } from "../domain/attachment.js";
import { idSchema } from "../domain/campaign.js";

export const attachmentUploadRequestSchema = z
  .strictObject({
    fileName: z.string().trim().min(1).max(200),
    contentType: z.enum(ATTACHMENT_CONTENT_TYPES),
    size: z.number().int().min(1).max(MAX_ATTACHMENT_BYTES),
  })
  .meta({ id: "AttachmentUploadRequest", description: "The file a merchant is about to upload: its name, type and exact size in bytes (≤ 10 MB)." });
export type AttachmentUploadRequest = z.infer<typeof attachmentUploadRequestSchema>;

export const attachmentUploadSchema = z
  .object({
    attachmentId: idSchema,
    uploadUrl: z.url().meta({ description: "A presigned PUT, valid for 15 minutes; send the file with the declared Content-Type." }),
  })
  .meta({ id: "AttachmentUpload" });

/** Attachment ids an application or trade-in references. */
export const attachmentIdsSchema = z.array(idSchema).max(20);

export const attachmentDownloadSchema = z
  .object({
    attachmentId: idSchema,
    fileName: z.string(),
    contentType: z.enum(ATTACHMENT_CONTENT_TYPES),
    size: z.number().int(),
    downloadUrl: z.url().meta({ description: "A presigned GET, valid for 15 minutes." }),
  })
  .meta({ id: "AttachmentDownload", description: "An evidence file as a reviewer reads it." });
export type AttachmentDownload = z.infer<typeof attachmentDownloadSchema>;

/** What a reviewer's single-record routes add: each attachment with a presigned GET. */
export const attachmentDownloadsSchema = z.array(attachmentDownloadSchema).describe("The attachments with presigned GETs, valid for 15 minutes");
