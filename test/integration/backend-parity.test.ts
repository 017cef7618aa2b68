/**
 * Both back ends are built from one declaration and must agree: every table, queue, route (with
 * its authorizer), queue trigger (with the queue or dead-letter queue it reads), stream trigger
 * and schedule that the running local runtime has, the synthesised CloudFormation has too, and
 * nothing more.
 */
import { Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { buildApp } from "../../infra/build-app.js";
import type { LocalSystem } from "../../infra/local/runtime.js";
import { pascal, queueConstructIds } from "../../infra/stacks/stateful-stack.js";
import type { Wiring } from "../../shared/wiring/types.js";
import { WIRINGS, testApp } from "../infra/support.js";
import { startTestRuntime } from "./runtime-helpers.js";

interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

/** The system as CloudFormation describes it, in the same terms as the local runtime's. */
function systemFromTemplates(wiring: Wiring): Record<keyof LocalSystem, string[]> {
  // Path metadata names each resource by its construct id, as `cdk synth` writes it.
  const { stateful, stateless } = buildApp({ wiring, app: testApp({ "aws:cdk:enable-path-metadata": true }) });
  const resources = [stateful, stateless].flatMap(
    (stack) => Object.entries(Template.fromStack(stack).toJSON().Resources as Record<string, CfnResource>),
  );
  const byId = new Map(resources);
  const constructId = (resource: CfnResource) => String(resource.Metadata?.["aws:cdk:path"]).split("/")[1]!;
  const ofType = (type: string) => resources.filter(([, resource]) => resource.Type === type).map(([, r]) => r);
  const functionOf = (ref: unknown) => {
    const id = (ref as { Ref?: string; "Fn::GetAtt"?: [string] }).Ref ?? (ref as { "Fn::GetAtt": [string] })["Fn::GetAtt"][0];
    return constructId(byId.get(id)!);
  };
  // A queue trigger's source is an ARN imported from the stateful stack; the export's name holds
  // the queue's logical id, which names the queue (or dead-letter queue) by its construct id.
  const queueOf = (arn: unknown) => {
    const imported = JSON.stringify(arn);
    const found = resources.filter(([id, r]) => r.Type === "AWS::SQS::Queue" && imported.includes(`FnGetAtt${id}Arn`));
    return found.length === 1 ? constructId(found[0]![1]) : `? ${imported}`;
  };
  const integrationFunction = new Map<string, string>();
  for (const [id, resource] of resources) {
    if (resource.Type === "AWS::ApiGatewayV2::Integration") {
      const uri = resource.Properties?.IntegrationUri;
      integrationFunction.set(id, functionOf(uri));
    }
  }
  return {
    tables: ofType("AWS::DynamoDB::GlobalTable").map(constructId).sort(),
    queues: ofType("AWS::SQS::Queue").map(constructId).sort(),
    routes: ofType("AWS::ApiGatewayV2::Route")
      .map((route) => {
        const target = String(JSON.stringify(route.Properties?.Target)).match(/"([A-Za-z0-9]+Integration[A-Za-z0-9]*)"/)?.[1];
        return `${String(route.Properties?.RouteKey)} ${String(route.Properties?.AuthorizationType)} ${target ? integrationFunction.get(target) : "?"}`;
      })
      .sort(),
    queueTriggers: ofType("AWS::Lambda::EventSourceMapping")
      .filter((mapping) => mapping.Properties?.StartingPosition === undefined)
      .map((mapping) => `${queueOf(mapping.Properties?.EventSourceArn)} ${functionOf(mapping.Properties?.FunctionName)} ${String(mapping.Properties?.BatchSize)}`)
      .sort(),
    streamTriggers: ofType("AWS::Lambda::EventSourceMapping")
      .filter((mapping) => mapping.Properties?.StartingPosition !== undefined)
      .map((mapping) => `${functionOf(mapping.Properties?.FunctionName)} ${String(mapping.Properties?.BatchSize)}`)
      .sort(),
    schedules: ofType("AWS::Scheduler::Schedule")
      .map((schedule) => {
        const target = schedule.Properties?.Target as { Input: string; Arn: unknown };
        const name = (JSON.parse(target.Input) as { schedule: string }).schedule;
        return `${name} ${String(schedule.Properties?.ScheduleExpression)} ${String(schedule.Properties?.ScheduleExpressionTimezone)} ${functionOf(target.Arn)}`;
      })
      .sort(),
  };
}

/** The running local system, in CloudFormation's terms. */
function systemFromRuntime(system: LocalSystem): Record<keyof LocalSystem, string[]> {
  const authorizer = (auth: string) => (auth === "resident" || auth === "operator" || auth === "merchant" ? "JWT" : "NONE");
  return {
    tables: system.tables.map(pascal).sort(),
    queues: system.queues.flatMap((queue) => Object.values(queueConstructIds(queue))).sort(),
    routes: system.routes.map((route) => `${route.key} ${authorizer(route.auth)} ${pascal(route.function)}`).sort(),
    queueTriggers: system.queueTriggers
      .map((t) => `${queueConstructIds(t.queue)[t.deadLetter ? "deadLetterQueue" : "queue"]} ${pascal(t.function)} ${t.batchSize}`)
      .sort(),
    streamTriggers: system.streamTriggers.map((t) => `${pascal(t.function)} ${t.batchSize}`).sort(),
    schedules: system.schedules.map((s) => `${s.name} ${s.expression} ${s.timezone} ${pascal(s.function)}`).sort(),
  };
}

describe.each(WIRINGS)("the %s wiring", (label, wiring) => {
  it("builds the same system on AWS and locally", async () => {
    const runtime = await startTestRuntime(wiring, `parity-${label}`);
    try {
      const local = systemFromRuntime(runtime.system);
      const aws = systemFromTemplates(wiring);
      expect(local).toEqual(aws);
      // Guard against comparing two empty lists.
      expect(local.routes.length).toBe(wiring.routes.length);
      expect(local.tables.length).toBe(Object.keys(wiring.tables).length);
    } finally {
      await runtime.stop();
    }
  });
});

describe("the comparison", () => {
  it("notices a queue trigger that reads the dead-letter queue on one back end only", async () => {
    const [, wiring] = WIRINGS.find(([label]) => label === "fixture")!;
    const runtime = await startTestRuntime(wiring, "parity-dlq");
    try {
      const local = systemFromRuntime(runtime.system);
      expect(local.queueTriggers).toContain("WorkDeadLetterQueue WorkGivenUp 10");
      const flipped = runtime.system.queueTriggers.map((t) => ({ ...t, deadLetter: !t.deadLetter }));
      expect(systemFromRuntime({ ...runtime.system, queueTriggers: flipped })).not.toEqual(systemFromTemplates(wiring));
    } finally {
      await runtime.stop();
    }
  });

  it("notices a route that one back end has and the other lacks", async () => {
    const [, wiring] = WIRINGS.find(([label]) => label === "fixture")!;
    const runtime = await startTestRuntime(wiring, "parity-negative");
    try {
      const local = systemFromRuntime({ ...runtime.system, routes: runtime.system.routes.slice(1) });
      expect(local).not.toEqual(systemFromTemplates(wiring));
    } finally {
      await runtime.stop();
    }
  });
});
