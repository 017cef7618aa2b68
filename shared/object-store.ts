/**
 * The evidence bucket as use cases see it (shared/use-cases/attachments.ts): presigned URLs for
 * callers and a HEAD for the platform's own checks. S3 on AWS; locally the S3 that fauxqs serves,
 * with URLs signed for the runtime's own origin (config.ts, VOUCHERS_S3_PUBLIC_ENDPOINT).
 */
import { GetObjectCommand, HeadObjectCommand, NotFound, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { presigningS3, s3 } from "./clients.js";
import { bucketName } from "./config.js";
import type { StoredObject } from "./domain/attachment.js";

/** How long a presigned URL works: time to pick a file and send it, or to open it in a review. */
export const PRESIGNED_URL_SECONDS = 15 * 60;

/** One bucket's objects. */
export interface ObjectStore {
  /** A URL that accepts one PUT of exactly this type and size. */
  uploadUrl(key: string, contentType: string, size: number): Promise<string>;
  /** A URL that reads the object. */
  downloadUrl(key: string, fileName: string): Promise<string>;
  /** The object's real size and type; undefined when there is none. */
  head(key: string): Promise<StoredObject | undefined>;
}

/** The object store over one bucket, with the given clients (the handlers' own by default). */
export function objectStore(bucket: string, clients: { s3: S3Client; presigning: S3Client } = { s3: s3(), presigning: presigningS3() }): ObjectStore {
  return {
    uploadUrl: (key, contentType, size) =>
      // Type and length are signed headers, so S3 refuses a PUT of another type or size.
      getSignedUrl(clients.presigning, new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: contentType, ContentLength: size }), {
        expiresIn: PRESIGNED_URL_SECONDS,
        signableHeaders: new Set(["content-type", "content-length"]),
      }),
    downloadUrl: (key, fileName) =>
      getSignedUrl(
        clients.presigning,
        new GetObjectCommand({ Bucket: bucket, Key: key, ResponseContentDisposition: `inline; filename*=UTF-8''${encodeURIComponent(fileName)}` }),
        { expiresIn: PRESIGNED_URL_SECONDS },
      ),
    async head(key) {
      try {
        const found = await clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return { size: found.ContentLength, contentType: found.ContentType };
      } catch (error) {
        if (error instanceof NotFound || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
        throw error;
      }
    },
  };
}

/** The evidence bucket of this function (its grant hands over the name). */
export function evidenceStore(): ObjectStore {
  return objectStore(bucketName("evidence"));
}
