/** POST /merchant/attachments (merchant, APPROVED): declares an evidence file and answers a presigned PUT for it. */
import { dependenciesOf } from "../../shared/dependencies.js";
import { attachmentUploadRequestSchema } from "../../shared/api/attachment-schemas.js";
import { httpRoute, parseBody } from "../../shared/http/traced-route.js";
import { evidenceStore } from "../../shared/object-store.js";
import { requestAttachmentUpload } from "../../shared/use-cases/attachments.js";
import { actingMerchant } from "../../shared/use-cases/programmes.js";

export const handler = httpRoute("merchant", async ({ event, caller }) => {
  const deps = dependenciesOf("requestAttachmentUpload");
  await actingMerchant(deps, caller);
  return {
    status: 201,
    body: await requestAttachmentUpload({ ...deps, evidence: evidenceStore(), merchantId: caller.merchantId, request: parseBody(event, attachmentUploadRequestSchema) }),
  };
});
