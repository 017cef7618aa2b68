/**
 * Buyers' fields encrypted per field with the AWS Encryption SDK (shared/field-encryption.ts), with
 * both keyrings the platform uses: the raw AES keyring of local configuration, and the KMS keyring
 * of AWS. No KMS emulator exists, so the KMS keyring's two calls (GenerateDataKey, Decrypt) go to a
 * stand-in built with aws-sdk-client-mock that wraps data keys with AES-GCM under a key per KMS key
 * ARN and binds them to the encryption context, as KMS does; everything else (the envelope, the
 * message format, the context check) is the SDK's real code.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { mockClient } from "aws-sdk-client-mock";
import { KMS } from "@aws-crypto/client-node";
import { type FieldCipher, fieldCipher, kmsFieldKeyring, rawAesFieldKeyring } from "../../shared/field-encryption.js";
import { buyerDataKeySource, LOCAL_BUYER_DATA_KEY } from "../../shared/config.js";
import { ConfigurationError, FieldDecryptionError } from "../../shared/errors.js";

const KEY_ARN = "arn:aws:kms:cn-north-1:111122223333:key/0b6f2c4e-1111-2222-3333-444455556666";
const OTHER_KEY_ARN = "arn:aws:kms:cn-north-1:111122223333:key/9e9e9e9e-1111-2222-3333-444455556666";
const buyerName = { record: "tradeIn#T1", field: "buyerName" } as const;

const kms = mockClient(KMS);
const kmsKeys = new Map([KEY_ARN, OTHER_KEY_ARN].map((arn) => [arn, randomBytes(32)]));

interface KmsInput {
  readonly KeyId?: string;
  /** Present on Decrypt only. */
  readonly CiphertextBlob?: Uint8Array;
  readonly EncryptionContext?: Record<string, string>;
}

/**
 * KMS as far as the keyring sees it: GenerateDataKey wraps a fresh data key under the named key,
 * bound to the context; Decrypt unwraps it (the command classes are not the SDK's exports, so the
 * two calls are told apart by their input).
 */
function standInKms(): void {
  kms.reset();
  kms.onAnyCommand().callsFake((input: KmsInput) => {
    if (input.CiphertextBlob === undefined) {
      const keyId = input.KeyId!;
      const plaintext = randomBytes(32);
      return { KeyId: keyId, Plaintext: plaintext, CiphertextBlob: wrap(keyId, plaintext, input.EncryptionContext ?? {}) };
    }
    const blob = Buffer.from(input.CiphertextBlob);
    const keyId = blob.subarray(2, 2 + blob.readUInt16BE(0)).toString();
    if (input.KeyId !== undefined && input.KeyId !== keyId) throw Object.assign(new Error("IncorrectKeyException"), { name: "IncorrectKeyException" });
    return { KeyId: keyId, Plaintext: unwrap(keyId, blob, input.EncryptionContext ?? {}) };
  });
}

function wrap(keyId: string, plaintext: Buffer, context: Record<string, string>): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", kmsKeys.get(keyId)!, iv).setAAD(canonical(context));
  const sealed = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const name = Buffer.from(keyId);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(name.length);
  return Buffer.concat([length, name, iv, cipher.getAuthTag(), sealed]);
}

function unwrap(keyId: string, blob: Buffer, context: Record<string, string>): Buffer {
  const rest = blob.subarray(2 + blob.readUInt16BE(0));
  const decipher = createDecipheriv("aes-256-gcm", kmsKeys.get(keyId)!, rest.subarray(0, 12)).setAAD(canonical(context));
  decipher.setAuthTag(rest.subarray(12, 28));
  return Buffer.concat([decipher.update(rest.subarray(28)), decipher.final()]);
}

afterAll(() => kms.restore());

const keyrings: [string, () => FieldCipher, () => FieldCipher][] = [
  ["the raw AES keyring", () => fieldCipher(rawAesFieldKeyring(randomBytesFixed(1))), () => fieldCipher(rawAesFieldKeyring(randomBytesFixed(2)))],
  ["the KMS keyring", () => fieldCipher(kmsFieldKeyring(KEY_ARN)), () => fieldCipher(kmsFieldKeyring(OTHER_KEY_ARN))],
];

describe.each(keyrings)("a buyer field under %s", (_label, cipher, otherKeyCipher) => {
  beforeEach(standInKms);

  it("comes back whole, and the stored form shows none of it", async () => {
    const stored = await cipher().encrypt(buyerName, "张三丰");
    expect(stored).not.toContain("张三丰");
    expect(Buffer.from(stored, "base64").toString("utf8")).not.toContain("张三丰");
    expect(await cipher().decrypt(buyerName, stored)).toBe("张三丰");
  });

  it("is encrypted under a fresh data key each time", async () => {
    const [first, second] = [await cipher().encrypt(buyerName, "13800138000"), await cipher().encrypt(buyerName, "13800138000")];
    expect(first).not.toBe(second);
  });

  it("does not open with another key", async () => {
    const stored = await cipher().encrypt(buyerName, "13800138000");
    await expect(otherKeyCipher().decrypt(buyerName, stored)).rejects.toBeInstanceOf(FieldDecryptionError);
  });

  it.each([
    ["another record", { record: "tradeIn#T2", field: "buyerName" }],
    ["another field of the same record", { record: "tradeIn#T1", field: "buyerPhone" }],
  ])("does not open as %s's value", async (_what, elsewhere) => {
    const stored = await cipher().encrypt(buyerName, "张三丰");
    await expect(cipher().decrypt(elsewhere, stored)).rejects.toBeInstanceOf(FieldDecryptionError);
  });

  it("does not open when damaged", async () => {
    const stored = Buffer.from(await cipher().encrypt(buyerName, "张三丰"), "base64");
    stored[stored.length - 40]! ^= 0xff;
    await expect(cipher().decrypt(buyerName, stored.toString("base64"))).rejects.toBeInstanceOf(FieldDecryptionError);
  });
});

describe("the KMS keyring's calls", () => {
  beforeEach(standInKms);

  it("ask KMS for a data key under the configured key, with the record and field as context", async () => {
    await fieldCipher(kmsFieldKeyring(KEY_ARN)).encrypt(buyerName, "张三丰");
    const [call] = kms.calls();
    expect(call?.args[0].input).toMatchObject({ KeyId: KEY_ARN, EncryptionContext: { record: "tradeIn#T1", field: "buyerName" } });
  });
});

describe("buyerDataKeySource", () => {
  it("is the KMS key when its ARN is configured", () => {
    expect(buyerDataKeySource({ VOUCHERS_BUYER_DATA_KEY_ARN: KEY_ARN })).toEqual({ kind: "kms", keyArn: KEY_ARN });
  });

  it("is the configured 32-byte raw key", () => {
    const key = randomBytes(32);
    expect(buyerDataKeySource({ VOUCHERS_BUYER_DATA_KEY: key.toString("base64") })).toEqual({ kind: "raw", key });
  });

  it("refuses a raw key of another length", () => {
    expect(() => buyerDataKeySource({ VOUCHERS_BUYER_DATA_KEY: randomBytes(16).toString("base64") })).toThrow(ConfigurationError);
  });

  it("falls back to the local key only where an emulator stands in for DynamoDB", () => {
    expect(buyerDataKeySource({ VOUCHERS_DYNAMODB_ENDPOINT: "http://127.0.0.1:8000" })).toEqual({ kind: "raw", key: LOCAL_BUYER_DATA_KEY });
    expect(() => buyerDataKeySource({})).toThrow(ConfigurationError);
  });
});

/** The context as authenticated data: KMS binds the pairs, not their order. */
function canonical(context: Record<string, string>): Buffer {
  return Buffer.from(JSON.stringify(Object.entries(context).sort(([a], [b]) => a.localeCompare(b))));
}

/** A fixed 32-byte key per seed, so the two raw keyrings differ. */
function randomBytesFixed(seed: number): Buffer {
  return Buffer.alloc(32, seed);
}
