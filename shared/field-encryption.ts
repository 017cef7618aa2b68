/**
 * Per-field envelope encryption of buyers' data (trade-in records' names and phone numbers) with
 * the AWS Encryption SDK: each value is encrypted under a fresh data key, itself wrapped by the
 * platform's buyer-data key — a customer-managed KMS key on AWS (a KMS keyring), a 32-byte AES key
 * from local configuration otherwise (a raw AES keyring). The encryption context names the record
 * and the field, is authenticated with the value and checked on decryption, so a ciphertext copied
 * onto another record or field does not open (docs/data-model.md, "Buyer data").
 */
import {
  AlgorithmSuiteIdentifier,
  buildClient,
  CommitmentPolicy,
  KmsKeyringNode,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
  type KeyringNode,
} from "@aws-crypto/client-node";
import { buyerDataKeySource } from "./config.js";
import { FieldDecryptionError } from "./errors.js";

/** Which field of which record a value belongs to: its encryption context. */
export interface EncryptedField {
  /** The record's kind and id, e.g. `tradeIn#T1`. */
  readonly record: string;
  /** The field's name within the record, e.g. `buyerName`. */
  readonly field: string;
}

/** Encrypts and decrypts single fields; ciphertexts are base64 strings, ready for a DynamoDB item. */
export interface FieldCipher {
  encrypt(field: EncryptedField, plaintext: string): Promise<string>;
  /** Throws {@link FieldDecryptionError} for a wrong key, a damaged ciphertext or another record's or field's value. */
  decrypt(field: EncryptedField, ciphertext: string): Promise<string>;
}

/** Name of the raw AES key in the messages it wraps (the Encryption SDK's key provider info). */
export const RAW_KEY_NAMESPACE = "vouchers";
export const RAW_KEY_NAME = "buyer-data";

/** Committing and unsigned: a field is read back by the platform only, so a signature would only add bytes and time. */
const FIELD_SUITE = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;
const sdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

/** A keyring that wraps data keys with a KMS key (its ARN); its KMS client is the SDK's own, in the key's region. */
export function kmsFieldKeyring(keyArn: string): KeyringNode {
  return new KmsKeyringNode({ generatorKeyId: keyArn });
}

/** A keyring that wraps data keys with a 32-byte AES-256 key held in configuration (local development). */
export function rawAesFieldKeyring(key: Uint8Array): KeyringNode {
  if (key.byteLength !== 32) throw new RangeError(`a raw AES buyer-data key has 32 bytes, not ${key.byteLength}`);
  return new RawAesKeyringNode({
    keyNamespace: RAW_KEY_NAMESPACE,
    keyName: RAW_KEY_NAME,
    unencryptedMasterKey: new Uint8Array(key),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });
}

/** A field cipher over a keyring. */
export function fieldCipher(keyring: KeyringNode): FieldCipher {
  return {
    async encrypt(field, plaintext) {
      const { result } = await sdk.encrypt(keyring, plaintext, { encryptionContext: context(field), suiteId: FIELD_SUITE });
      return result.toString("base64");
    },
    async decrypt(field, ciphertext) {
      let opened: Awaited<ReturnType<typeof sdk.decrypt>>;
      try {
        opened = await sdk.decrypt(keyring, Buffer.from(ciphertext, "base64"));
      } catch (error) {
        throw new FieldDecryptionError("a buyer field could not be decrypted", { ...field }, { cause: error });
      }
      const expected = context(field);
      const found = opened.messageHeader.encryptionContext;
      if (Object.entries(expected).some(([key, value]) => found[key] !== value)) {
        throw new FieldDecryptionError("a buyer field's encryption context names another record or field", { ...field, found });
      }
      return opened.plaintext.toString("utf8");
    },
  };
}

let configured: FieldCipher | undefined;

/**
 * The field cipher of this function, from configuration: the KMS key handed to it on AWS, the
 * local raw AES key elsewhere (config.ts). Built once per process.
 */
export function buyerDataCipher(): FieldCipher {
  if (configured) return configured;
  const source = buyerDataKeySource();
  configured = fieldCipher(source.kind === "kms" ? kmsFieldKeyring(source.keyArn) : rawAesFieldKeyring(source.key));
  return configured;
}

function context(field: EncryptedField): Record<string, string> {
  return { record: field.record, field: field.field };
}
