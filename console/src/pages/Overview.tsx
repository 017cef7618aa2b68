/**
 * Overview (issue item 1): every published or paused campaign with its budget as gauges (committed,
 * spent, remaining) and today's claims and redemptions, and the alerts an operator acts on first.
 */
import { useQuery } from "@tanstack/react-query";
import { Alert, Badge, Card, Col, Empty, Row, Skeleton, Space, Statistic, Typography } from "antd";
import { useMemo } from "react";
import { api, apiErrorOf, dataOf } from "../api/client";
import type { components } from "../api/openapi";
import { EChart } from "../components/EChart";
import { gaugeOption } from "../components/gauge";
import { calendarDay, fenToYuan, formatInstant, formatYuan } from "../format";
import { type MessageKey, useMessages } from "../i18n";
import { InstantDiscounts } from "./InstantDiscounts";

type Campaign = components["schemas"]["Campaign"];
type HealthReport = components["schemas"]["HealthReport"];

/** Every campaign residents can see (published and paused), all pages. */
export async function fetchCampaigns(): Promise<Campaign[]> {
  const campaigns: Campaign[] = [];
  let nextToken: string | undefined;
  do {
    const page = dataOf(await api.GET("/campaigns", { params: { query: { limit: 100, ...(nextToken ? { nextToken } : {}) } } }));
    campaigns.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  return campaigns;
}

/** /admin/health answers 503 with the same report when something is unreachable: still a report to show. */
async function fetchHealth(): Promise<HealthReport> {
  const result = await api.GET("/admin/health");
  if (result.data) return result.data;
  if (result.response.status === 503 && typeof result.error === "object" && result.error !== null && "deadLetterQueues" in result.error) {
    return result.error;
  }
  throw apiErrorOf(result.error, result.response);
}

/** Messages given up on, across every dead-letter queue. */
export function deadLetterDepth(report: HealthReport): number {
  return Object.values(report.deadLetterQueues).reduce((sum, queue) => {
    const messages = queue.detail?.messages;
    return sum + (typeof messages === "number" ? messages : 0);
  }, 0);
}

function ErrorState(props: { error: unknown }) {
  const t = useMessages();
  const message = props.error instanceof Error ? props.error.message : String(props.error);
  return <Alert type="error" showIcon title={t("loadFailed")} description={message} />;
}

/** A budget gauge: `fen` of `budget`, in yuan. */
function gauge(label: string, fen: number, budget: number) {
  return gaugeOption({ label, value: fenToYuan(fen), max: Math.max(fenToYuan(budget), 0.01), detail: formatYuan(fen) });
}

function CampaignCard(props: { campaign: Campaign }) {
  const t = useMessages();
  const { campaign } = props;
  const stats = useQuery({
    queryKey: ["campaign-stats", campaign.id],
    queryFn: async () => dataOf(await api.GET("/admin/campaigns/{id}/stats", { params: { path: { id: campaign.id } } })),
    refetchInterval: 10_000,
  });
  const gauges = useMemo(() => {
    if (!stats.data) return undefined;
    const { budget, subsidy, remainingBudget } = stats.data;
    // remainingBudget = budget − subsidy − discounts of claimed vouchers still usable.
    const committed = budget - subsidy - remainingBudget;
    const gauges: [MessageKey, number][] = [
      ["committed", committed],
      ["spent", subsidy],
      ["remaining", remainingBudget],
    ];
    return gauges.map(([key, fen]) => ({ key, option: gauge(t(key), fen, budget), fen }));
  }, [stats.data, t]);
  const today = stats.data?.byDay[calendarDay(new Date(), campaign.timezone)];
  return (
    <Card
      title={
        <Space>
          <span>{campaign.name}</span>
          <Badge status={campaign.status === "PUBLISHED" ? "success" : "warning"} text={campaign.status} />
        </Space>
      }
      extra={<Typography.Text type="secondary">{campaign.id}</Typography.Text>}
      data-testid={`campaign-${campaign.id}`}
    >
      <Typography.Paragraph type="secondary">
        {t("window")}: {formatInstant(campaign.startsAt, campaign.timezone)} → {formatInstant(campaign.endsAt, campaign.timezone)}
      </Typography.Paragraph>
      <Statistic title={t("budget")} value={formatYuan(campaign.budget)} />
      {stats.isPending ? <Skeleton active /> : null}
      {stats.isError ? <ErrorState error={stats.error} /> : null}
      {gauges ? (
        <Row gutter={8}>
          {gauges.map((g) => (
            <Col xs={24} md={8} key={g.key}>
              <EChart option={g.option} ariaLabel={`${t(g.key)} ${formatYuan(g.fen)}`} style={{ height: 180 }} />
            </Col>
          ))}
        </Row>
      ) : null}
      {stats.data ? (
        <Row gutter={16}>
          <Col span={12}>
            <Statistic title={t("todayClaims")} value={today?.claimed ?? 0} />
          </Col>
          <Col span={12}>
            <Statistic title={t("todayRedemptions")} value={today?.redeemed ?? 0} />
          </Col>
        </Row>
      ) : null}
      {campaign.instantDiscounts?.length ? <InstantDiscounts campaignId={campaign.id} timezone={campaign.timezone} /> : null}
    </Card>
  );
}

function Alerts() {
  const t = useMessages();
  const health = useQuery({ queryKey: ["health"], queryFn: fetchHealth, refetchInterval: 10_000 });
  const flags = useQuery({
    queryKey: ["fraud-flags", "OPEN"],
    queryFn: async () => dataOf(await api.GET("/admin/fraud/flags", { params: { query: { status: "OPEN", limit: 100 } } })),
    refetchInterval: 10_000,
  });
  // Statements that need an operator: held (merchant suspended) and payouts that gave up.
  const statementsIn = (status: "HELD" | "FAILED") => ({
    queryKey: ["statements", status],
    queryFn: async () => dataOf(await api.GET("/admin/settlements", { params: { query: { status, limit: 100 } } })),
    refetchInterval: 10_000,
  });
  const held = useQuery(statementsIn("HELD"));
  const failed = useQuery(statementsIn("FAILED"));
  const dlq = health.data ? deadLetterDepth(health.data) : undefined;
  const countOf = (page: { items: unknown[]; nextToken?: string } | undefined) => (page ? `${page.items.length}${page.nextToken ? "+" : ""}` : undefined);
  const openFlags = countOf(flags.data);
  return (
    <Card title={t("alerts")}>
      <Row gutter={[16, 16]}>
        <Col xs={24} md={8}>
          {health.isError ? (
            <ErrorState error={health.error} />
          ) : (
            <Statistic
              title={t("healthStatus")}
              loading={health.isPending}
              valueRender={() =>
                health.data ? (
                  <Badge status={health.data.status === "ok" ? "success" : "error"} text={t(health.data.status === "ok" ? "healthOk" : "healthDegraded")} />
                ) : null
              }
            />
          )}
        </Col>
        <Col xs={24} md={8}>
          {health.isError ? null : (
            <Statistic title={t("dlqDepth")} loading={health.isPending} value={dlq ?? 0} styles={{ content: { color: dlq ? "#cf1322" : undefined } }} />
          )}
        </Col>
        <Col xs={24} md={8}>
          {flags.isError ? (
            <ErrorState error={flags.error} />
          ) : (
            <Statistic title={t("openFraudFlags")} loading={flags.isPending} value={openFlags ?? 0} />
          )}
        </Col>
        {(
          [
            ["heldStatements", held],
            ["failedPayouts", failed],
          ] as const
        ).map(([key, query]) => (
          <Col xs={24} md={8} key={key}>
            {query.isError ? (
              <ErrorState error={query.error} />
            ) : (
              <Statistic
                title={t(key)}
                loading={query.isPending}
                value={countOf(query.data) ?? 0}
                styles={{ content: { color: query.data?.items.length ? "#cf1322" : undefined } }}
              />
            )}
          </Col>
        ))}
      </Row>
    </Card>
  );
}

export function Overview() {
  const t = useMessages();
  const campaigns = useQuery({ queryKey: ["campaigns"], queryFn: fetchCampaigns, refetchInterval: 30_000 });
  return (
    <Space orientation="vertical" size="large" style={{ width: "100%" }}>
      <Typography.Title level={1} style={{ fontSize: 24, margin: 0 }}>
        {t("overviewTitle")}
      </Typography.Title>
      <Alerts />
      <Typography.Title level={2} style={{ fontSize: 20, margin: 0 }}>
        {t("campaigns")}
      </Typography.Title>
      {campaigns.isPending ? <Skeleton active /> : null}
      {campaigns.isError ? <ErrorState error={campaigns.error} /> : null}
      {campaigns.data?.length === 0 ? <Empty description={t("noCampaigns")} /> : null}
      {campaigns.data?.map((campaign) => (
        <CampaignCard key={campaign.id} campaign={campaign} />
      ))}
    </Space>
  );
}
