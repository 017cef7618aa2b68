/**
 * cdk-nag's AWS Solutions rules pass on both stacks. cdk-nag 3 is a CDK policy-validation plugin:
 * an unacknowledged finding fails `app.synth()` (and `cdk synth`), and findings are not
 * annotations any more, so the pack is also run directly for a readable list. Every
 * acknowledgment sits on the one construct it concerns and carries its reason.
 */
import { type App, Stack, Validations } from "aws-cdk-lib";
import { Annotations, Match } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { describe, expect, it } from "vitest";
import { buildApp, JWT_AUDIENCE_CONTEXT, JWT_ISSUER_CONTEXT, type BuiltApp } from "../../infra/build-app.js";
import type { Wiring } from "../../shared/wiring/types.js";
import { fixtureWiring } from "../fixtures/wiring.js";
import { WIRINGS, testApp } from "./support.js";

interface Acknowledgment {
  path: string;
  construct: IConstruct;
  id: string;
  reason: string;
}

function acknowledgments(app: App): Acknowledgment[] {
  return app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          construct,
          id: id.replace(/^annotation::/i, ""),
          reason,
        })),
      ),
  );
}

function expectClean(built: BuiltApp): void {
  // Synthesis runs the registered AwsSolutionsChecks plugin and throws on any finding.
  expect(() => built.app.synth()).not.toThrow();
  for (const stack of [built.stateful, built.stateless, built.edge, built.waf, ...(built.identity ? [built.identity] : [])]) {
    expect(new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack).violations, stack.stackName).toEqual([]);
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findError("*", Match.stringLikeRegexp("AwsSolutions-.*"))).toEqual([]);
    expect(annotations.findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*"))).toEqual([]);
    expect(annotations.findError("*", Match.anyValue())).toEqual([]);
  }
}

describe.each(WIRINGS)("cdk-nag AwsSolutions on the %s wiring", (_label, wiring: Wiring) => {
  it("finds nothing unacknowledged on either stack", () => {
    expectClean(buildApp({ wiring, app: testApp() }));
  });

  it("acknowledges only what the declaration implies, each on its own construct with a reason", () => {
    const built = buildApp({ wiring, app: testApp() });
    const acks = acknowledgments(built.app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.reason.length, `${ack.path} ${ack.id}`).toBeGreaterThan(20);
      expect(Stack.isStack(ack.construct) || ack.construct === built.app, `${ack.path}: no stack-wide acknowledgments`).toBe(false);
      // The one stateful exception: the identity hash key is never rotated (a new key unlinks every person).
      const identityKeyRotation = ack.id === "AwsSolutions-SMG4" && ack.construct === built.stateful.identityHashKey;
      // And the evidence buckets' access-log bucket, which cannot log into itself (S1), and whose log-delivery
      // ACL CDK itself acknowledges to cfn-lint (W3045).
      const accessLogsOfAccessLogs = ["AwsSolutions-S1", "CloudFormation-Validate::W3045"].includes(ack.id) && ack.construct === built.stateful.bucketAccessLogs;
      const inStatelessOrEdge = [built.stateless, built.edge].some((stack) => ack.path.startsWith(`${stack.stackName}/`));
      expect(inStatelessOrEdge || identityKeyRotation || accessLogsOfAccessLogs, `${ack.path}: the stateful stack needs none`).toBe(true);
    }

    const functions = Object.entries(built.stateless.functions);
    const backEnd = acks.filter((a) => a.path.startsWith(`${built.stateless.stackName}/`) || a.path.startsWith(`${built.stateful.stackName}/`));
    const byId = (id: string) => backEnd.filter((a) => a.id === id).map((a) => a.path).sort();
    // Runtime pin: one per function, on the function.
    expect(byId("AwsSolutions-L1")).toEqual(functions.map(([, fn]) => fn.node.path).sort());
    // X-Ray (and stream listing) take no resource: one per function, on its role.
    expect(byId("AwsSolutions-IAM5[Resource::*]")).toEqual(functions.map(([, fn]) => fn.role!.node.path).sort());
    // Routes without a JWT authorizer: exactly the public and partner-signed ones.
    const unauthorised = wiring.routes.filter((r) => r.auth === "public" || r.auth === "partner-signed");
    expect(byId("AwsSolutions-APIG4")).toHaveLength(unauthorised.length);
    for (const path of byId("AwsSolutions-APIG4")) expect(path).toMatch(/\/HttpApi\//);
    // The identity hash key's rotation, on the key, and the origin secret's (rotated by a deploy), on that secret.
    expect(byId("AwsSolutions-SMG4")).toEqual([built.stateful.identityHashKey.node.path, built.stateless.originSecret.secret.node.path].sort());
    // The access-log bucket's own logging, once, on that bucket, when the wiring declares buckets.
    expect(byId("AwsSolutions-S1")).toEqual(built.stateful.bucketAccessLogs ? [built.stateful.bucketAccessLogs.node.path] : []);
    // Bucket objects: one per function granted a bucket, on its role.
    const bucketObjects = backEnd.filter((a) => /^AwsSolutions-IAM5\[Resource::.*Bucket.*\/\*\]$/.test(a.id)).map((a) => a.path).sort();
    const withBuckets = functions.filter(([name]) => Object.keys(wiring.functions[name]?.buckets ?? {}).length > 0);
    expect(bucketObjects).toEqual(withBuckets.map(([, fn]) => fn.role!.node.path).sort());
    // Nothing else.
    expect(
      backEnd.filter(
        (a) => a.id !== "CloudFormation-Validate::W3045" && !/^AwsSolutions-(L1|APIG4|SMG4|S1|IAM5\[Resource::\*\]|IAM5\[Resource::.*\/index\/\*\]|IAM5\[Resource::.*Bucket.*\/\*\])$/.test(a.id),
      ),
    ).toEqual([]);

    // The edge: the distribution's two choices (the web ACL is attached: no CFR2), the log bucket's
    // own logging, CDK's BucketDeployment helper (its runtime, managed policy and the wildcards of
    // CDK's grants) and CDK's AwsCustomResource provider (the web ACL lookup: its managed policy).
    // (CDK acknowledges a cfn-lint warning of its own on the log bucket's delivery ACL; not ours to count.)
    const edge = acks.filter((a) => a.path.startsWith(`${built.edge.stackName}/`) && a.id.startsWith("AwsSolutions-"));
    const on = (construct: IConstruct) => edge.filter((a) => a.construct === construct).map((a) => a.id).sort();
    expect(on(built.edge.distribution)).toEqual(["AwsSolutions-CFR1", "AwsSolutions-CFR4"]);
    expect(on(built.edge.accessLogBucket)).toEqual(["AwsSolutions-S1"]);
    expect(on(built.edge.consoleBucket)).toEqual([]);
    const helper = edge.filter((a) => a.path.includes("/Custom::CDKBucketDeployment"));
    expect(helper.filter((a) => !/^AwsSolutions-(L1|IAM4\[Policy::.*AWSLambdaBasicExecutionRole\]|IAM5\[.*\])$/.test(a.id))).toEqual([]);
    expect(helper.filter((a) => a.id === "AwsSolutions-L1")).toHaveLength(1);
    const provider = edge.filter((a) => a.path.includes("/AWS679f53fac002430cb0da5b7982bd2287"));
    expect(provider.map((a) => a.id)).toEqual(["AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]"]);
    expect(edge.length).toBe(3 + helper.length + provider.length);
    // The WAF stack needs none.
    expect(acks.filter((a) => a.path.startsWith(`${built.waf.stackName}/`) && a.id.startsWith("AwsSolutions-"))).toEqual([]);
  });
});

describe("cdk-nag with data grants on an indexed table", () => {
  // The fixture, with echo also reading the streamed, indexed `events` table.
  const wiring: Wiring = {
    ...fixtureWiring,
    functions: {
      ...fixtureWiring.functions,
      echo: { ...fixtureWiring.functions.echo, tables: { observations: "write", events: "read" } },
    },
  };

  it("acknowledges the index wildcard of that one table, on echo's role only, and passes", () => {
    const built = buildApp({ wiring, app: testApp() });
    expectClean(built);
    const indexAcks = acknowledgments(built.app).filter((a) => a.id.includes("/index/*"));
    expect(indexAcks.map((a) => a.path)).toEqual([built.stateless.functions.echo!.role!.node.path]);
    expect(indexAcks[0]!.id).toMatch(/^AwsSolutions-IAM5\[Resource::fixture-stateful:ExportsOutputFnGetAttEvents[A-F0-9]+Arn[A-F0-9]+\/index\/\*\]$/);
  });
});

describe("cdk-nag with the stock user pool and partner IP ranges", () => {
  it("finds nothing unacknowledged on any of the five stacks; the pool's acknowledgments sit on the pool and the trigger", () => {
    const built = buildApp({
      wiring: fixtureWiring,
      app: testApp({ [JWT_ISSUER_CONTEXT]: undefined, [JWT_AUDIENCE_CONTEXT]: undefined, "vouchers:partnerIpRanges": "203.0.113.0/24" }),
    });
    expect(built.identity).toBeDefined();
    expectClean(built);
    const identity = acknowledgments(built.app).filter((a) => a.path.startsWith(`${built.identity!.stackName}/`) && a.id.startsWith("AwsSolutions-"));
    const allowed = new Set<IConstruct | undefined>([built.identity!.userPool, built.identity!.userPool.node.tryFindChild("smsRole"), built.identity!.preTokenGeneration, built.identity!.preTokenGeneration.role]);
    for (const ack of identity) expect(allowed.has(ack.construct), `${ack.path} ${ack.id}`).toBe(true);
  });
});
