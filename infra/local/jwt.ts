/**
 * The local stand-in for API Gateway's JWT authorizer (docs/architecture.md, "Gateway"): HS256 tokens
 * signed with VOUCHERS_LOCAL_JWT_SECRET, `sub` and `exp` required, `iss`/`aud` checked only
 * when configured, claims handed on in API Gateway's string form.
 */
import { webcrypto } from "node:crypto";
import { isIP } from "node:net";
import { SignJWT, jwtVerify, errors as joseErrors } from "jose";
import { OPERATORS_GROUP } from "../../shared/http/caller.js";

export const DEFAULT_LOCAL_JWT_SECRET = "local-dev-secret";

export interface JwtSettings {
  secret: string;
  issuer?: string | undefined;
  audience?: string | undefined;
}

export type VerifiedClaims = { ok: true; claims: Record<string, string>; scopes: string[] | null } | { ok: false; reason: string };

/** Verifies a bearer token; never throws. */
export async function verifyBearer(header: string | undefined, settings: JwtSettings): Promise<VerifiedClaims> {
  const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match) return { ok: false, reason: "no bearer token" };
  try {
    const { payload } = await jwtVerify(match[1]!, await key(settings.secret), {
      algorithms: ["HS256"],
      requiredClaims: ["sub", "exp"],
      ...(settings.issuer ? { issuer: settings.issuer } : {}),
      ...(settings.audience ? { audience: settings.audience } : {}),
    });
    if (typeof payload.sub !== "string" || payload.sub === "") return { ok: false, reason: "sub is not a string" };
    const claims: Record<string, string> = {};
    for (const [name, value] of Object.entries(payload)) claims[name] = claimString(value);
    const scopes = typeof payload.scope === "string" ? payload.scope.split(" ").filter(Boolean) : null;
    return { ok: true, claims, scopes };
  } catch (error) {
    const reason = error instanceof joseErrors.JOSEError ? error.code : "malformed token";
    return { ok: false, reason };
  }
}

/** Signs a token the local authorizer accepts; `npm run token` and the tests use it. */
export async function signLocalToken(input: {
  sub: string;
  operator?: boolean;
  groups?: string[];
  /** More claims, e.g. the console's development sign-in names a merchant's id. */
  claims?: Record<string, string>;
  /** Linked identities' claims, as a Cognito ID token carries them (`phone_number_verified` defaults to true). */
  identity?: { phoneNumber?: string; phoneNumberVerified?: boolean; idHash?: string };
  expiresInSeconds?: number;
  settings: JwtSettings;
}): Promise<string> {
  const groups = [...(input.groups ?? []), ...(input.operator ? [OPERATORS_GROUP] : [])];
  const identity = input.identity ?? {};
  const claims = {
    ...input.claims,
    ...(groups.length > 0 ? { groups } : {}),
    ...(identity.phoneNumber === undefined ? {} : { phone_number: identity.phoneNumber, phone_number_verified: identity.phoneNumberVerified ?? true }),
    ...(identity.idHash === undefined ? {} : { "custom:id_hash": identity.idHash }),
  };
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(input.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (input.expiresInSeconds ?? 3600));
  if (input.settings.issuer) jwt = jwt.setIssuer(input.settings.issuer);
  if (input.settings.audience) jwt = jwt.setAudience(input.settings.audience);
  return jwt.sign(await key(input.settings.secret));
}

/** The settings from the environment, as `npm start` and `npm run token` read them. */
export function jwtSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): JwtSettings {
  return {
    secret: env.VOUCHERS_LOCAL_JWT_SECRET || DEFAULT_LOCAL_JWT_SECRET,
    issuer: env.VOUCHERS_LOCAL_JWT_ISSUER || undefined,
    audience: env.VOUCHERS_LOCAL_JWT_AUDIENCE || undefined,
  };
}

/**
 * Why the platform must not listen on `host` with these settings, or undefined when it may. The
 * default secret is public (it is in this repository), so anyone who can reach a non-loopback
 * address could sign an operator token with it.
 */
export function defaultSecretExposure(host: string, settings: JwtSettings): string | undefined {
  if (settings.secret !== DEFAULT_LOCAL_JWT_SECRET || isLoopback(host)) return undefined;
  return (
    `Refusing to listen on HOST=${host} with the default JWT secret ("${DEFAULT_LOCAL_JWT_SECRET}"): anyone who can reach ` +
    "this address could sign an operator token with it. Set VOUCHERS_LOCAL_JWT_SECRET to a secret of your own " +
    "(e.g. `openssl rand -hex 32`), or listen on 127.0.0.1."
  );
}

/** Whether a host names only this machine: localhost, 127.0.0.0/8 or ::1 (also IPv4-mapped). */
export function isLoopback(host: string): boolean {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === "localhost") return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare)?.[1];
  const address = mapped ?? bare;
  if (isIP(address) === 4) return address.startsWith("127.");
  return isIP(address) === 6 && /^(0{0,4}:){7}0{0,3}1$|^::1$/.test(address);
}

/** API Gateway hands every claim on as a string; an array becomes "[a b]". */
function claimString(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return `[${value.map(String).join(" ")}]`;
  if (typeof value === "object" && value !== null) return JSON.stringify(value);
  return String(value);
}

/**
 * The HMAC key of a secret, imported once: jose imports a raw secret into WebCrypto on every
 * call, which cost the local authorizer about a third of its time per request (bench:claims).
 */
const keys = new Map<string, Promise<webcrypto.CryptoKey>>();
function key(secret: string): Promise<webcrypto.CryptoKey> {
  let imported = keys.get(secret);
  if (!imported) {
    imported = webcrypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keys.set(secret, imported);
  }
  return imported;
}
