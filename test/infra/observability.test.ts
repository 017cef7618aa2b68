/**
 * What the synthesised templates give the team on call (infra/constructs/observability.ts): the
 * alarms, each notifying the alarm topic and linking to its runbook section, the drop-day
 * dashboard, and active tracing on every function. Expectations are derived from the wiring, so
 * they hold for the platform and for the fixture.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { buildApp, type BuiltApp } from "../../infra/build-app.js";
import { DROP_ALIAS_NAME, DROP_PLAN_CONTEXT } from "../../infra/constructs/drop-plan.js";
import { DROP_DAY, THRESHOLDS } from "../../infra/constructs/observability.js";
import { RUNBOOK, RUNBOOK_SECTIONS } from "../../infra/constructs/runbook.js";
import { REPO_ROOT } from "../../infra/constructs/voucher-function.js";
import { pascal } from "../../infra/stacks/stateful-stack.js";
import { planDrop } from "../../shared/domain/capacity.js";
import { platform } from "../../shared/wiring/platform.js";
import type { Wiring } from "../../shared/wiring/types.js";
import { WIRINGS, logicalId, testApp } from "./support.js";

type Resource = { Type: string; Properties: Record<string, any> };

/** GitHub's anchors of the runbook's headings. */
function runbookAnchors(): Set<string> {
  const headings = readFileSync(join(REPO_ROOT, RUNBOOK), "utf8")
    .split("\n")
    .filter((line) => /^#{2,4} /.test(line))
    .map((line) => line.replace(/^#+ /, ""));
  return new Set(headings.map((heading) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, "").replace(/ /g, "-")));
}

describe.each(WIRINGS)("observability of the %s wiring", (_label, wiring: Wiring) => {
  let built: BuiltApp;
  let alarms: Record<string, Resource>;
  let template: Template;
  const functions = Object.keys(wiring.functions);
  const streamConsumers = [...new Set(wiring.streamTriggers.map((trigger) => trigger.function))];
  const has = (name: string) => functions.includes(name);

  beforeAll(() => {
    built = buildApp({ wiring, app: testApp() });
    template = Template.fromStack(built.stateless.observability);
    alarms = template.findResources("AWS::CloudWatch::Alarm") as Record<string, Resource>;
  });

  const alarm = (id: string): Record<string, any> => {
    const construct = built.stateless.observability.alarms[id];
    if (!construct) throw new Error(`no alarm ${id}`);
    return alarms[logicalId(construct)]!.Properties;
  };

  it("has the alarms the issue lists, and no others", () => {
    const expected = [
      ...functions.flatMap((name) => [`${pascal(name)}ErrorsAlarm`, `${pascal(name)}ThrottlesAlarm`]),
      // The stock user pool's token trigger: when it fails, nobody signs in.
      ...(built.identity ? ["PreTokenGenerationErrorsAlarm", "PreTokenGenerationThrottlesAlarm"] : []),
      "ApiServerErrorRateAlarm",
      "ApiLatencyP99Alarm",
      ...Object.keys(wiring.tables).map((name) => `${pascal(name)}TableThrottlesAlarm`),
      ...streamConsumers.map((name) => `${pascal(name)}IteratorAgeAlarm`),
      ...(has(DROP_DAY.tickerFunction) ? ["TickerHeartbeatAlarm", "PendingStatementsAlarm"] : []),
      ...(has(DROP_DAY.payoutFailureFunction) ? ["FailedPayoutsAlarm"] : []),
    ];
    expect(Object.keys(built.stateless.observability.alarms).sort()).toEqual(expected.sort());
    expect(Object.keys(alarms)).toHaveLength(expected.length);
  });

  it("makes every alarm notify the stateful stack's alarm topic", () => {
    const topic = logicalId(built.stateful.alarmTopic);
    for (const { Properties } of Object.values(alarms)) {
      expect(Properties.AlarmActions).toHaveLength(1);
      // In the nested stack the topic's ARN arrives as a parameter named after the topic.
      expect(JSON.stringify(Properties.AlarmActions)).toContain(topic);
    }
  });

  it("links every alarm, the dead-letter queues' included, to a section of the runbook that exists", () => {
    const anchors = runbookAnchors();
    const sections = new Set<string>(Object.values(RUNBOOK_SECTIONS));
    const statefulAlarms = Object.values(Template.fromStack(built.stateful).findResources("AWS::CloudWatch::Alarm")) as Resource[];
    for (const { Properties } of [...Object.values(alarms), ...statefulAlarms]) {
      const match = /Runbook: docs\/runbook\.md#([a-z0-9-]+)$/.exec(String(Properties.AlarmDescription));
      expect(match, String(Properties.AlarmDescription)).not.toBeNull();
      expect(sections).toContain(match![1]);
      expect(anchors, `docs/runbook.md has no heading for #${match![1]}`).toContain(match![1]);
    }
    for (const { Properties } of statefulAlarms) expect(Properties.AlarmDescription).toMatch(/#dead-letter-queues$/);
  });

  it("alarms on each function's errors and throttles", () => {
    for (const name of functions) {
      const errors = alarm(`${pascal(name)}ErrorsAlarm`);
      expect(errors).toMatchObject({ Namespace: "AWS/Lambda", MetricName: "Errors", Statistic: "Sum", Period: 300, Threshold: 1, ComparisonOperator: "GreaterThanOrEqualToThreshold" });
      // The function's name arrives as the nested stack's parameter named after the function's construct.
      expect(JSON.stringify(errors.Dimensions)).toMatch(new RegExp(`"FunctionName","Value":\\{"Ref":"referenceto${wiring.app}stateless${pascal(name)}[0-9A-F]{8}Ref"`));
      expect(alarm(`${pascal(name)}ThrottlesAlarm`)).toMatchObject({ MetricName: "Throttles", Period: 60, Threshold: 1 });
    }
  });

  it("alarms on the API's 5xx rate and p99 latency", () => {
    const rate = alarm("ApiServerErrorRateAlarm");
    expect(rate.Threshold).toBe(THRESHOLDS.apiServerErrorPercent);
    const metrics = rate.Metrics as { Expression?: string; MetricStat?: { Metric: { MetricName: string } } }[];
    expect(metrics.find((metric) => metric.Expression)?.Expression).toBe("100 * errors / requests");
    expect(metrics.flatMap((metric) => (metric.MetricStat ? [metric.MetricStat.Metric.MetricName] : [])).sort()).toEqual(["5xx", "Count"]);
    expect(alarm("ApiLatencyP99Alarm")).toMatchObject({ MetricName: "Latency", ExtendedStatistic: "p99", Threshold: THRESHOLDS.apiLatencyP99Ms, EvaluationPeriods: 5, DatapointsToAlarm: 3 });
  });

  it("alarms on DynamoDB throttling per table, and on the stream consumers' iterator age", () => {
    for (const name of Object.keys(wiring.tables)) {
      const throttles = JSON.stringify(alarm(`${pascal(name)}TableThrottlesAlarm`).Metrics);
      expect(throttles).toContain("ReadThrottleEvents");
      expect(throttles).toContain("WriteThrottleEvents");
    }
    expect(streamConsumers.length).toBeGreaterThan(0);
    for (const name of streamConsumers) {
      expect(alarm(`${pascal(name)}IteratorAgeAlarm`)).toMatchObject({ MetricName: "IteratorAge", Statistic: "Maximum", Threshold: THRESHOLDS.iteratorAgeMs, EvaluationPeriods: 5 });
    }
  });

  it("alarms when the ticker's heartbeat is missing for 5 minutes, and on statements PENDING over an hour (a wiring with the ticker)", () => {
    if (!has(DROP_DAY.tickerFunction)) {
      expect(built.stateless.observability.alarms.TickerHeartbeatAlarm).toBeUndefined();
      return;
    }
    expect(alarm("TickerHeartbeatAlarm")).toMatchObject({
      Namespace: "Vouchers",
      MetricName: "TickerHeartbeat",
      Dimensions: [{ Name: "service", Value: "ticker" }],
      Statistic: "Sum",
      Period: 300,
      ComparisonOperator: "LessThanThreshold",
      Threshold: 1,
      TreatMissingData: "breaching",
    });
    expect(alarm("PendingStatementsAlarm")).toMatchObject({ Namespace: "Vouchers", MetricName: "PendingStatementsOverHour", Dimensions: [{ Name: "service", Value: "ticker" }], Period: 900, Threshold: 1 });
  });

  it("alarms on a payout that became FAILED (a wiring with the payout DLQ's consumer)", () => {
    if (!has(DROP_DAY.payoutFailureFunction)) {
      expect(built.stateless.observability.alarms.FailedPayoutsAlarm).toBeUndefined();
      return;
    }
    expect(alarm("FailedPayoutsAlarm")).toMatchObject({ Namespace: "Vouchers", MetricName: "PayoutFailed", Dimensions: [{ Name: "service", Value: DROP_DAY.payoutFailureFunction }], Threshold: 1 });
  });

  it("has a drop-day dashboard with claims per second, sold-out answers, throttles, latency, concurrency and table capacity", () => {
    const dashboards = Object.values(template.findResources("AWS::CloudWatch::Dashboard")) as Resource[];
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]!.Properties.DashboardBody);
    for (const title of ["Claims per second", "Sold-out answers", "Throttles", "Latency", "Lambda concurrency against the account limit", "Claim tables: consumed capacity per second"]) {
      expect(body).toContain(title);
    }
    if (has(DROP_DAY.claimFunction)) {
      for (const metric of ["ClaimSucceeded", "ClaimSoldOut", "ConcurrentExecutions", "ConsumedWriteCapacityUnits"]) expect(body).toContain(metric);
      expect(body).toContain("account limit");
    }
  });

  it("traces every function actively", () => {
    const lambdas = Object.values(Template.fromStack(built.stateless).findResources("AWS::Lambda::Function")) as Resource[];
    expect(lambdas).toHaveLength(functions.length);
    for (const fn of lambdas) expect(fn.Properties.TracingConfig).toEqual({ Mode: "Active" });
  });

  it("keeps the stateless stack under CloudFormation's 500 resources, the alarms in a nested stack", () => {
    const stateless = Template.fromStack(built.stateless).toJSON() as { Resources: Record<string, Resource> };
    expect(Object.keys(stateless.Resources).length).toBeLessThan(500);
    expect(Object.values(stateless.Resources).filter((resource) => resource.Type === "AWS::CloudWatch::Alarm")).toEqual([]);
  });
});

describe("the drop-day dashboard of a deployment with a drop plan", () => {
  it("draws the plan's warm write throughput of the claim tables and its Lambda concurrency quota", () => {
    const plan = planDrop({ attemptsPerSecond: 20_000, stock: 100_000 });
    const dir = mkdtempSync(join(tmpdir(), "observability-plan-"));
    try {
      const planFile = join(dir, "plan.json");
      writeFileSync(planFile, JSON.stringify(plan));
      const built = buildApp({ wiring: platform, app: testApp({ [DROP_PLAN_CONTEXT]: planFile }) });
      const [dashboard] = Object.values(Template.fromStack(built.stateless.observability).findResources("AWS::CloudWatch::Dashboard")) as Resource[];
      const body = JSON.stringify(dashboard!.Properties.DashboardBody);
      for (const table of DROP_DAY.claimTables) {
        expect(body).toContain(`${table} warm WCU/s (drop plan)`);
        expect(body).toContain(`\\"value\\":${plan.warmThroughput[table].writeUnitsPerSecond},\\"label\\":\\"${table} warm WCU/s`);
      }
      expect(body).toContain(`\\"value\\":${plan.quotas.lambdaConcurrentExecutions},\\"label\\":\\"account limit\\"`);
      // The provisioned environments' utilisation is read on the alias, where Lambda publishes it.
      const utilisation = body.slice(body.indexOf("ProvisionedConcurrencyUtilization") - 40, body.indexOf("ProvisionedConcurrencyUtilization") + 400);
      expect(utilisation).toContain("Resource");
      expect(utilisation).toContain(`:${DROP_ALIAS_NAME}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
