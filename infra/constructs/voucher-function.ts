/**
 * One Lambda function of the platform, with every default in one place: Node.js 22 on arm64,
 * an ESM bundle made by the local esbuild (never Docker), X-Ray tracing, an explicit log group,
 * and a role of its own that may only write to that log group until the stack grants more.
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { ESM_REQUIRE_BANNER, unreachedModules } from "./bundling.js";
import { functionMemoryMb, functionTimeoutSeconds } from "../../shared/wiring/define.js";
import type { FunctionDeclaration } from "../../shared/wiring/types.js";

/** The repository root, found from this file rather than from the working directory. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");


export interface VoucherFunctionProps {
  /** Logical name from the wiring, e.g. `health`; also the Powertools service name. */
  readonly name: string;
  readonly declaration: FunctionDeclaration<string, string>;
  /** Environment besides the defaults, normally `functionEnvironment(...)`. */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

export class VoucherFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: VoucherFunctionProps) {
    const { name, declaration } = props;
    const entry = resolve(REPO_ROOT, declaration.entry);

    // The function writes its logs with its own role, so the role needs no managed policy:
    // only CreateLogStream / PutLogEvents on this one log group (granted below).
    const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: `Execution role of ${name}`,
    });

    super(scope, id, {
      description: declaration.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: functionMemoryMb(declaration),
      timeout: Duration.seconds(functionTimeoutSeconds(declaration)),
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      role,
      environment: {
        NODE_OPTIONS: "--enable-source-maps",
        POWERTOOLS_SERVICE_NAME: name,
        ...props.environment,
      },
      handler: "handler",
      entry,
      depsLockFilePath: resolve(REPO_ROOT, "package-lock.json"),
      projectRoot: REPO_ROOT,
      bundling: {
        format: OutputFormat.ESM,
        target: "node22",
        mainFields: ["module", "main"],
        bundleAwsSDK: true,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        banner: ESM_REQUIRE_BANNER,
        externalModules: unreachedModules(declaration),
        // Bundle with the esbuild devDependency only; never fall back to a Docker image.
        forceDockerBundling: false,
      },
    });
    logGroup.grantWrite(role);
  }
}
