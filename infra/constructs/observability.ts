/**
 * What the team on call watches: CloudWatch alarms that notify the alarm topic, and the drop-day
 * dashboard. Alarms: errors and throttles of every function; the HTTP API's 5xx rate and p99
 * latency; DynamoDB throttling per table; the iterator age of the stream consumers; a missing
 * ticker heartbeat; payouts that became FAILED; statements PENDING over an hour. (The dead-letter
 * queues' alarms live with their queues in the stateful stack.) Each alarm's description links to
 * its section of docs/runbook.md ("Alarms"), which says what it means and what to do.
 *
 * The business metrics come from the handlers (namespace Vouchers, dimension `service`: the
 * function's logical name): shared/observability/business-metrics.ts.
 */
import { Duration, NestedStack } from "aws-cdk-lib";
import type * as apigwv2 from "aws-cdk-lib/aws-apigatewayv2";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cloudwatchActions from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as sns from "aws-cdk-lib/aws-sns";
import type { Construct } from "constructs";
import { BUSINESS_METRIC } from "../../shared/observability/business-metrics.js";
import { METRICS_NAMESPACE } from "../../shared/observability/metrics.js";
import type { DropPlan } from "../../shared/domain/capacity.js";
import type { Wiring } from "../../shared/wiring/types.js";
import { pascal } from "../stacks/stateful-stack.js";
import { RUNBOOK, RUNBOOK_SECTIONS, runbookLink } from "./runbook.js";

/** The functions and tables a drop day is about, by logical name; those absent from a wiring are left out. */
export const DROP_DAY = {
  claimFunction: "claimVoucher",
  tickerFunction: "ticker",
  payoutFailureFunction: "recordPayoutFailure",
  /** The tables a claim writes. */
  claimTables: ["inventory", "vouchers", "idempotency"],
} as const;

/** Alarm thresholds, in the metric's unit. */
export const THRESHOLDS = {
  /** Share of API requests answered 5xx over 5 minutes, in %. */
  apiServerErrorPercent: 1,
  /** p99 of API latency, in ms, for 3 of 5 minutes. */
  apiLatencyP99Ms: 1_000,
  /** Oldest record a stream consumer has yet to process, in ms, for 5 minutes in a row. */
  iteratorAgeMs: 60_000,
  /** Minutes without a ticker heartbeat. */
  heartbeatMissingMinutes: 5,
} as const;

export interface ObservabilityProps {
  readonly wiring: Wiring;
  /** The platform's functions, by logical name. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  readonly httpApi: apigwv2.IHttpApi;
  /** The platform's tables, by logical name. */
  readonly tables: Readonly<Record<string, dynamodb.ITableV2>>;
  /** The topic every alarm notifies; none: the alarms only change state. */
  readonly alarmTopic?: sns.ITopic;
  /** Base of the runbook links in alarm descriptions, e.g. the runbook's URL on the project's site. @default RUNBOOK */
  readonly runbook?: string;
  /** The account's Lambda concurrency limit in the region, drawn on the dashboard. @default the drop plan's quota, else 1000 (the default quota) */
  readonly concurrencyLimit?: number;
  /** The drop plan applied (`vouchers:dropPlan`): its warm throughput is drawn against what the tables consume. */
  readonly dropPlan?: DropPlan;
  /** The claim function's alias that carries the plan's provisioned concurrency: its utilisation is published per alias, not per function. */
  readonly claimAlias?: lambda.IAlias;
}

/**
 * The alarms and the drop-day dashboard of one stateless stack, in a nested stack of their own:
 * about two alarms per function would take the stateless stack past CloudFormation's 500
 * resources per stack.
 */
export class Observability extends NestedStack {
  /** Every alarm, by construct id. */
  readonly alarms: Record<string, cloudwatch.Alarm> = {};
  readonly dashboard: cloudwatch.Dashboard;
  private readonly runbook: string;
  private readonly alarmTopic: sns.ITopic | undefined;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id, { description: `${props.wiring.app}: alarms and the drop-day dashboard` });
    this.runbook = props.runbook ?? RUNBOOK;
    this.alarmTopic = props.alarmTopic;
    const { wiring, functions, httpApi, tables } = props;
    const minute = Duration.minutes(1);
    const fiveMinutes = Duration.minutes(5);

    for (const [name, fn] of Object.entries(functions)) {
      const prefix = pascal(name);
      // Handlers answer expected failures themselves: any Lambda error is unexpected.
      this.alarm(`${prefix}ErrorsAlarm`, RUNBOOK_SECTIONS.functionErrors, `Function ${name} failed (threw or timed out) at least once in 5 minutes.`, {
        metric: fn.metricErrors({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
      });
      this.alarm(`${prefix}ThrottlesAlarm`, RUNBOOK_SECTIONS.functionThrottles, `Invocations of function ${name} were throttled (concurrency exhausted) in the last minute.`, {
        metric: fn.metricThrottles({ period: minute, statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
      });
    }

    const requests = httpApi.metricCount({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM });
    const serverErrors = httpApi.metricServerError({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM });
    this.alarm("ApiServerErrorRateAlarm", RUNBOOK_SECTIONS.apiServerErrors, `More than ${THRESHOLDS.apiServerErrorPercent} % of HTTP API requests were answered 5xx over 5 minutes.`, {
      metric: new cloudwatch.MathExpression({ expression: "100 * errors / requests", usingMetrics: { errors: serverErrors, requests }, label: "5xx %", period: fiveMinutes }),
      threshold: THRESHOLDS.apiServerErrorPercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    this.alarm("ApiLatencyP99Alarm", RUNBOOK_SECTIONS.apiLatency, `The HTTP API's p99 latency was above ${THRESHOLDS.apiLatencyP99Ms} ms in 3 of the last 5 minutes.`, {
      metric: httpApi.metricLatency({ period: minute, statistic: cloudwatch.Stats.p(99) }),
      threshold: THRESHOLDS.apiLatencyP99Ms,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
    });

    for (const [name, table] of Object.entries(tables)) {
      this.alarm(`${pascal(name)}TableThrottlesAlarm`, RUNBOOK_SECTIONS.tableThrottles, `Requests to table ${name} were throttled in the last minute (read or write throttle events).`, {
        metric: tableThrottleEvents(table, minute),
        threshold: 1,
      });
    }

    for (const name of new Set(wiring.streamTriggers.map((trigger) => trigger.function))) {
      const fn = functions[name];
      if (!fn) continue;
      this.alarm(`${pascal(name)}IteratorAgeAlarm`, RUNBOOK_SECTIONS.iteratorAge, `Stream consumer ${name} is more than ${THRESHOLDS.iteratorAgeMs / 1000} s behind its stream, 5 minutes in a row.`, {
        metric: fn.metric("IteratorAge", { period: minute, statistic: cloudwatch.Stats.MAXIMUM }),
        threshold: THRESHOLDS.iteratorAgeMs,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 5,
      });
    }

    if (functions[DROP_DAY.tickerFunction]) {
      this.alarm("TickerHeartbeatAlarm", RUNBOOK_SECTIONS.tickerHeartbeat, `The ticker has not reported a tick for ${THRESHOLDS.heartbeatMissingMinutes} minutes: drops do not close, settlements and payout re-sends do not run.`, {
        metric: businessMetric(BUSINESS_METRIC.tickerHeartbeat, DROP_DAY.tickerFunction, Duration.minutes(THRESHOLDS.heartbeatMissingMinutes)),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        // No data is the very thing watched for.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
      this.alarm("PendingStatementsAlarm", RUNBOOK_SECTIONS.stalePending, "A settlement statement has been PENDING for an hour or more: its payout was neither made nor given up on.", {
        metric: businessMetric(BUSINESS_METRIC.pendingStatementsOverHour, DROP_DAY.tickerFunction, Duration.minutes(15)),
        threshold: 1,
      });
    }
    if (functions[DROP_DAY.payoutFailureFunction]) {
      this.alarm("FailedPayoutsAlarm", RUNBOOK_SECTIONS.failedPayouts, "A payout was given up on: its statement, programme award or trade-in subsidy is FAILED until an operator retries it.", {
        metric: businessMetric(BUSINESS_METRIC.payoutFailed, DROP_DAY.payoutFailureFunction, fiveMinutes),
        threshold: 1,
      });
    }

    this.dashboard = this.dropDayDashboard(props);
  }

  /** An alarm that notifies the topic, its description ending with the link to its runbook section. */
  private alarm(
    id: string,
    section: (typeof RUNBOOK_SECTIONS)[keyof typeof RUNBOOK_SECTIONS],
    description: string,
    props: Pick<cloudwatch.AlarmProps, "metric" | "threshold"> & Partial<Pick<cloudwatch.AlarmProps, "comparisonOperator" | "evaluationPeriods" | "datapointsToAlarm" | "treatMissingData">>,
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmDescription: `${description} ${runbookLink(section, this.runbook)}`,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // An idle metric publishes nothing; that is no problem unless said otherwise.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...props,
    });
    if (this.alarmTopic) alarm.addAlarmAction(new cloudwatchActions.SnsAction(this.alarmTopic));
    this.alarms[id] = alarm;
    return alarm;
  }

  /**
   * Drop day at a glance: claims per second and sold-out answers, throttling everywhere it can
   * happen, latency, Lambda concurrency against the account's limit, and what the claim path's
   * tables consume.
   */
  private dropDayDashboard(props: ObservabilityProps): cloudwatch.Dashboard {
    const { functions, httpApi, tables } = props;
    const minute = Duration.minutes(1);
    const claimService = DROP_DAY.claimFunction;
    // Ids of a graph's metrics must differ, the metrics inside its expressions' included.
    let ids = 0;
    const perSecond = (metric: cloudwatch.IMetric, label: string) => {
      const id = `m${(ids += 1)}`;
      return new cloudwatch.MathExpression({ expression: `${id} / PERIOD(${id})`, usingMetrics: { [id]: metric }, label, period: minute });
    };
    const claim = functions[claimService];
    const claimTables = DROP_DAY.claimTables.flatMap((name) => (tables[name] ? [[name, tables[name]] as const] : []));
    const concurrencyLimit = props.concurrencyLimit ?? props.dropPlan?.quotas.lambdaConcurrentExecutions ?? 1_000;
    const warmThroughput: Readonly<Record<string, { writeUnitsPerSecond: number }>> = props.dropPlan?.warmThroughput ?? {};

    const dashboard = new cloudwatch.Dashboard(this, "DropDayDashboard", {
      dashboardName: `${props.wiring.app}-drop-day`,
      defaultInterval: Duration.hours(1),
    });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Claims per second",
        width: 12,
        left: [
          perSecond(businessMetric(BUSINESS_METRIC.claimSucceeded, claimService, minute), "succeeded/s"),
          perSecond(businessMetric(BUSINESS_METRIC.claimSoldOut, claimService, minute), "sold out/s"),
          perSecond(businessMetric(BUSINESS_METRIC.claimLimitReached, claimService, minute), "limit reached/s"),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: "Sold-out answers (per minute)",
        width: 12,
        left: [businessMetric(BUSINESS_METRIC.claimSoldOut, claimService, minute)],
        leftYAxis: { min: 0 },
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Throttles (per minute)",
        width: 12,
        left: [
          httpApi.metricClientError({ period: minute, statistic: cloudwatch.Stats.SUM, label: "API 4xx (429 included)" }),
          ...(claim ? [claim.metricThrottles({ period: minute, statistic: cloudwatch.Stats.SUM, label: "claim function throttles" })] : []),
        ],
        right: claimTables.map(([name, table]) => tableThrottleEvents(table, minute, `${name} throttle events`, name)),
      }),
      new cloudwatch.GraphWidget({
        title: "Latency (ms)",
        width: 12,
        left: [
          httpApi.metricLatency({ period: minute, statistic: cloudwatch.Stats.p(50), label: "API p50" }),
          httpApi.metricLatency({ period: minute, statistic: cloudwatch.Stats.p(99), label: "API p99" }),
          ...(claim ? [claim.metricDuration({ period: minute, statistic: cloudwatch.Stats.p(99), label: "claim function p99" })] : []),
        ],
        leftAnnotations: [{ value: THRESHOLDS.apiLatencyP99Ms, label: "p99 alarm" }],
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Lambda concurrency against the account limit",
        width: 12,
        left: [
          lambdaAccountMetric("ConcurrentExecutions", "all functions"),
          ...(claim ? [claim.metric("ConcurrentExecutions", { period: minute, statistic: cloudwatch.Stats.MAXIMUM, label: "claim function" })] : []),
        ],
        // Published per alias (FunctionName and Resource): the function's own dimension has none.
        ...(props.claimAlias
          ? { right: [props.claimAlias.metric("ProvisionedConcurrencyUtilization", { period: minute, statistic: cloudwatch.Stats.MAXIMUM, label: "claim provisioned utilisation (0-1)" })], rightYAxis: { min: 0, max: 1 } }
          : {}),
        leftAnnotations: [{ value: concurrencyLimit, label: "account limit", color: cloudwatch.Color.RED }],
        leftYAxis: { min: 0 },
      }),
      new cloudwatch.GraphWidget({
        title: "Claim tables: consumed capacity per second",
        width: 12,
        left: claimTables.map(([name, table]) => perSecond(tableMetric(table, "ConsumedWriteCapacityUnits", minute), `${name} WCU/s`)),
        right: claimTables.map(([name, table]) => perSecond(tableMetric(table, "ConsumedReadCapacityUnits", minute), `${name} RCU/s`)),
        // On-demand tables have no provisioned capacity; a partition takes at most 1,000 WCU/s, and
        // warm throughput (the drop plan's) is what a table absorbs without throttling at once.
        leftAnnotations: [
          { value: 1_000, label: "one partition's write limit" },
          ...claimTables.flatMap(([name]) => {
            const warm = warmThroughput[name]?.writeUnitsPerSecond;
            return warm === undefined ? [] : [{ value: warm, label: `${name} warm WCU/s (drop plan)` }];
          }),
        ],
      }),
    );
    return dashboard;
  }
}

/** A business metric of the handlers: namespace Vouchers, the `service` that counts it, summed per period. */
function businessMetric(metricName: string, service: string, period: Duration): cloudwatch.Metric {
  return new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service }, period, statistic: cloudwatch.Stats.SUM });
}

function tableMetric(table: dynamodb.ITableV2, metricName: string, period: Duration): cloudwatch.Metric {
  return new cloudwatch.Metric({ namespace: "AWS/DynamoDB", metricName, dimensionsMap: { TableName: table.tableName }, period, statistic: cloudwatch.Stats.SUM });
}

/**
 * Read and write throttle events of a table (its indexes' included), summed per period. `key`
 * tells the inner metrics' ids apart when several tables share a graph.
 */
function tableThrottleEvents(table: dynamodb.ITableV2, period: Duration, label = "throttle events", key = ""): cloudwatch.MathExpression {
  const [reads, writes] = [`reads${key}`, `writes${key}`];
  return new cloudwatch.MathExpression({
    expression: `FILL(${reads}, 0) + FILL(${writes}, 0)`,
    usingMetrics: { [reads]: tableMetric(table, "ReadThrottleEvents", period), [writes]: tableMetric(table, "WriteThrottleEvents", period) },
    label,
    period,
  });
}

/** An account-wide Lambda metric (no dimension), its maximum per minute. */
function lambdaAccountMetric(metricName: string, label: string): cloudwatch.Metric {
  return new cloudwatch.Metric({ namespace: "AWS/Lambda", metricName, period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM, label });
}
