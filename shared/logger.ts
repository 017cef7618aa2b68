/** The process's structured logger (one JSON object per line, as CloudWatch and humans read it). */
import { Logger } from "@aws-lambda-powertools/logger";

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "vouchers" });
