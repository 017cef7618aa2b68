/**
 * The HTTP API's bodies as zod schemas: handlers and tests parse with them, and the OpenAPI
 * document is generated from them, so the published contract cannot drift from the code.
 */
import { z } from "zod";

/** Every error the platform answers (docs/architecture.md, "Error model"). */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().describe("Stable, machine-readable code, e.g. VALIDATION_FAILED"),
      message: z.string().describe("Human-readable; never contains internal detail"),
      details: z.unknown().optional().describe("Structured context, e.g. zod issues with their paths"),
    }),
  })
  .meta({ id: "ErrorBody" });

/** What API Gateway itself answers when its JWT authorizer refuses a token, or no route matches. */
export const gatewayMessageSchema = z.object({ message: z.string() }).meta({ id: "GatewayMessage" });

const probeSchema = z.object({
  reachable: z.boolean(),
  detail: z.record(z.string(), z.unknown()).optional(),
  error: z.string().optional(),
});

export const healthReportSchema = z
  .object({
    status: z.enum(["ok", "degraded"]),
    checkedAt: z.iso.datetime({ offset: true }),
    tables: z.record(z.string(), probeSchema.extend({ name: z.string() })),
    queues: z.record(z.string(), probeSchema.extend({ url: z.string() })),
    emulators: z
      .record(
        z.string(),
        probeSchema.extend({ name: z.string(), version: z.string(), endpoint: z.string(), pid: z.number().int().optional() }),
      )
      .optional()
      .describe("Only where emulators stand in for AWS"),
  })
  .meta({ id: "HealthReport" });

export const callerSchema = z
  .object({
    sub: z.string().describe("The person id: the token's subject, and partners' payerId"),
    groups: z.array(z.string()).describe("Groups from the token; operators carry `operators`"),
  })
  .meta({ id: "Caller" });
