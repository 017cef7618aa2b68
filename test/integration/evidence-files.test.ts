/**
 * Evidence files against the S3 that fauxqs serves (shared/use-cases/attachments.ts): a merchant
 * declares a file, uploads it with a plain HTTP PUT to the presigned URL, and a reviewer reads it
 * back through a presigned GET. fauxqs checks neither signature nor size nor type, so the HEAD
 * the platform makes when a file is referenced is what refuses a file that differs from its
 * declaration, one never uploaded, or another merchant's.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { EMULATORS_CREDENTIALS, EMULATORS_REGION } from "../../infra/local/emulators.js";
import { type PhysicalResources, teardownResources } from "../../infra/local/provision.js";
import { AttachmentInvalidError } from "../../shared/errors.js";
import { type ObjectStore, objectStore } from "../../shared/object-store.js";
import { type AttachmentDependencies, attachmentDownloads, checkAttachments, requestAttachmentUpload } from "../../shared/use-cases/attachments.js";
import { platform } from "../../shared/wiring/platform.js";
import { rejection } from "../support/rejection.js";
import { provisionTestResources, tableNamesOf, testEndpoints } from "./runtime-helpers.js";

const T0 = new Date("2030-03-01T08:00:00.000Z");
const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: EMULATORS_REGION, credentials: EMULATORS_CREDENTIALS, endpoint: inject("dynamodbEndpoint") }));
const s3 = new S3Client({ region: EMULATORS_REGION, credentials: EMULATORS_CREDENTIALS, endpoint: inject("sqsEndpoint"), forcePathStyle: true });

const PDF = Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(2000, 0x20), Buffer.from("\n%%EOF\n")]);
const PNG = Buffer.from("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f5e0d70000000049454e44ae426082", "hex");

let resources: PhysicalResources;
let evidence: ObjectStore;
let deps: AttachmentDependencies;

beforeAll(async () => {
  resources = await provisionTestResources(platform, "evidence");
  evidence = objectStore(resources.buckets.evidence!, { s3, presigning: s3 });
  deps = { db, tables: tableNamesOf(resources, ["attachments"]), now: () => T0, evidence };
});

afterAll(async () => {
  if (resources) await teardownResources(resources, testEndpoints());
  s3.destroy();
});

/** Declares a file for `merchantId` and PUTs `body` with `contentType` to its presigned URL, as a browser would. */
async function upload(merchantId: string, declared: { fileName: string; contentType: "image/png" | "image/jpeg" | "application/pdf"; size: number }, body: Buffer, contentType = declared.contentType): Promise<string> {
  const { attachmentId, uploadUrl } = await requestAttachmentUpload({ ...deps, merchantId, request: declared });
  const put = await fetch(uploadUrl, { method: "PUT", body, headers: { "content-type": contentType } });
  expect(put.status).toBe(200);
  return attachmentId;
}

describe("an evidence file", () => {
  it("uploads through its presigned PUT and reads back whole through a presigned GET", async () => {
    const id = await upload("m1", { fileName: "销售表 2030-02.pdf", contentType: "application/pdf", size: PDF.length }, PDF);

    const [checked] = await checkAttachments({ ...deps, merchantId: "m1", ids: [id] });
    expect(checked).toMatchObject({ id, merchantId: "m1", contentType: "application/pdf", size: PDF.length, objectKey: `merchants/m1/${id}` });

    const [download] = await attachmentDownloads({ ...deps, ids: [id] });
    expect(download).toMatchObject({ attachmentId: id, fileName: "销售表 2030-02.pdf", contentType: "application/pdf", size: PDF.length });
    const read = await fetch(download!.downloadUrl);
    expect(read.status).toBe(200);
    expect(Buffer.from(await read.arrayBuffer())).toEqual(PDF);
  });

  it("has presigned URLs that carry a signature, an expiry and, for the PUT, the declared type", async () => {
    const { uploadUrl } = await requestAttachmentUpload({ ...deps, merchantId: "m1", request: { fileName: "a.png", contentType: "image/png", size: PNG.length } });
    const url = new URL(uploadUrl);
    expect(url.searchParams.get("X-Amz-Expires")).toBe("900");
    expect(url.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toContain("content-type");
  });

  it.each([
    ["larger than declared", { size: PNG.length - 1 }, "image/png", "size-differs"],
    ["of another type than declared", { size: PNG.length }, "image/jpeg", "type-differs"],
  ])("is refused when the stored object is %s", async (_what, declared, sentType, reason) => {
    const id = await upload("m1", { fileName: "photo.png", contentType: "image/png", ...declared }, PNG, sentType as "image/jpeg");
    const error = await rejection(checkAttachments({ ...deps, merchantId: "m1", ids: [id] }));
    expect(error).toBeInstanceOf(AttachmentInvalidError);
    expect(error).toMatchObject({ code: "ATTACHMENT_INVALID", status: 400, details: { attachmentId: id, reason } });
  });

  it("is refused when it was declared but never uploaded", async () => {
    const { attachmentId } = await requestAttachmentUpload({ ...deps, merchantId: "m1", request: { fileName: "a.pdf", contentType: "application/pdf", size: 100 } });
    await expect(checkAttachments({ ...deps, merchantId: "m1", ids: [attachmentId] })).rejects.toMatchObject({ code: "ATTACHMENT_INVALID", details: { reason: "not-uploaded" } });
  });

  it("is refused to another merchant, as if it did not exist", async () => {
    const id = await upload("m1", { fileName: "photo.png", contentType: "image/png", size: PNG.length }, PNG);
    await expect(checkAttachments({ ...deps, merchantId: "m2", ids: [id] })).rejects.toMatchObject({ code: "ATTACHMENT_INVALID", details: { attachmentId: id, reason: "unknown" } });
    await expect(checkAttachments({ ...deps, merchantId: "m2", ids: ["no-such-file"] })).rejects.toMatchObject({ details: { attachmentId: "no-such-file", reason: "unknown" } });
  });

  it("passes among others only when every one passes", async () => {
    const good = await upload("m1", { fileName: "photo.png", contentType: "image/png", size: PNG.length }, PNG);
    const bad = await upload("m1", { fileName: "photo.png", contentType: "image/png", size: PNG.length + 5 }, PNG);
    await expect(checkAttachments({ ...deps, merchantId: "m1", ids: [good, bad] })).rejects.toMatchObject({ details: { attachmentId: bad } });
    expect(await checkAttachments({ ...deps, merchantId: "m1", ids: [good, good] })).toHaveLength(1);
  });
});
