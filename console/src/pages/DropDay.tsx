/**
 * Drop day, live (issue item 3): for a chosen campaign, GET /admin/campaigns/{id} every 2 s; per
 * drop and voucher type the units left and claims per second (one ECharts line chart each, fed
 * new points per poll, never rebuilt), the sold-out moment, each shard's units; a countdown to the
 * next drop; lottery drops' registrations, draw and result.
 */
import { useQuery } from "@tanstack/react-query";
import { Alert, Badge, Card, Col, Empty, Row, Select, Skeleton, Space, Statistic, Tag, Tooltip, Typography } from "antd";
import { useEffect, useMemo, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { api, dataOf } from "../api/client";
import type { components } from "../api/openapi";
import { LiveChart } from "../components/LiveChart";
import { type StockSample, addSamples, claimsPerSecond, countdown, dropPhase, nextOpening, sampleKey } from "../drop-day";
import { formatInstant } from "../format";
import { type MessageKey, useMessages } from "../i18n";
import { fetchAllCampaigns } from "./Campaigns";
import { LotteryPanel } from "./Lottery";

type CampaignDetail = components["schemas"]["CampaignDetail"];
type DropDetail = components["schemas"]["DropDetail"];

const POLL_MS = 2_000;

/** The wall clock, ticking every second (the countdown and the drops' phases). */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

const PHASE: Record<"upcoming" | "open" | "closed", { badge: "default" | "processing" | "success"; key: MessageKey }> = {
  upcoming: { badge: "default", key: "dropUpcoming" },
  open: { badge: "processing", key: "dropOpen" },
  closed: { badge: "success", key: "dropClosed" },
};

function VoucherTypeLive(props: { drop: DropDetail; typeId: string; samples: readonly StockSample[]; timezone: string }) {
  const t = useMessages();
  const { drop, typeId, samples } = props;
  const remaining = drop.remaining[typeId] ?? 0;
  const shards = drop.shardRemaining[typeId] ?? [];
  const soldOutAt = drop.soldOutAt[typeId];
  const rates = useMemo(() => claimsPerSecond(samples), [samples]);
  const series = useMemo(
    () => [
      { name: t("remainingUnits"), yAxisIndex: 0 as const, points: samples.map((sample): [number, number] => [sample.at, sample.remaining]) },
      { name: t("claimsPerSecond"), yAxisIndex: 1 as const, points: rates },
    ],
    [samples, rates, t],
  );
  const lastRate = rates.at(-1)?.[1] ?? 0;
  return (
    <div data-testid={`live-${drop.id}-${typeId}`} style={{ marginBottom: 16 }}>
      <Row gutter={16}>
        <Col xs={24} md={8}>
          <Typography.Title level={4} style={{ fontSize: 15 }}>
            {typeId}
          </Typography.Title>
          <Statistic title={t("remainingUnits")} value={remaining} suffix={`/ ${drop.stock[typeId] ?? 0}`} data-testid={`remaining-${drop.id}-${typeId}`} />
          <Statistic title={t("claimsPerSecond")} value={lastRate.toFixed(1)} />
          <Typography.Paragraph style={{ marginTop: 8 }}>
            {t("soldOutAt")}:{" "}
            <span data-testid={`sold-out-${drop.id}-${typeId}`}>
              {soldOutAt ? formatInstant(soldOutAt, props.timezone) : drop.soldOut[typeId] ? "✓" : t("notSoldOut")}
            </span>
          </Typography.Paragraph>
          <Typography.Text>{t("shardState")}</Typography.Text>
          <div style={{ display: "flex", flexWrap: "wrap", gap: 4, marginTop: 4 }} data-testid={`shards-${drop.id}-${typeId}`}>
            {shards.map((units, shard) => (
              <Tooltip key={shard} title={`#${shard}: ${units}`}>
                <Tag color={units === 0 ? "red" : "blue"} style={{ marginInlineEnd: 0 }}>
                  #{shard} {units}
                </Tag>
              </Tooltip>
            ))}
          </div>
        </Col>
        <Col xs={24} md={16}>
          <LiveChart series={series} ariaLabel={t("remainingChart", { drop: drop.id, type: typeId })} />
        </Col>
      </Row>
    </div>
  );
}

function DropLive(props: { campaign: CampaignDetail; drop: DropDetail; history: ReadonlyMap<string, StockSample[]>; now: number }) {
  const t = useMessages();
  const { campaign, drop } = props;
  const phase = PHASE[dropPhase(drop, props.now)];
  return (
    <Card
      size="small"
      title={
        <Space>
          <span>{drop.id}</span>
          <Badge status={phase.badge} text={t(phase.key)} />
        </Space>
      }
      extra={
        <Typography.Text>
          {formatInstant(drop.opensAt, campaign.timezone)} → {formatInstant(drop.closesAt, campaign.timezone)}
        </Typography.Text>
      }
      style={{ marginBottom: 16 }}
      data-testid={`drop-${drop.id}`}
    >
      {drop.allocation === "lottery" ? <LotteryPanel campaignId={campaign.id} drop={drop} timezone={campaign.timezone} now={props.now} /> : null}
      {Object.keys(drop.stock).map((typeId) => (
        <VoucherTypeLive key={typeId} drop={drop} typeId={typeId} samples={props.history.get(sampleKey(drop.id, typeId)) ?? []} timezone={campaign.timezone} />
      ))}
    </Card>
  );
}

function CampaignLive(props: { campaignId: string }) {
  const t = useMessages();
  const now = useNow();
  const detail = useQuery({
    queryKey: ["drop-day", props.campaignId],
    queryFn: async () => dataOf(await api.GET("/admin/campaigns/{id}", { params: { path: { id: props.campaignId } } })),
    refetchInterval: POLL_MS,
    // The operator watches this while doing other things: keep polling in a background tab too.
    refetchIntervalInBackground: true,
  });
  // Samples of every poll so far: the charts' history, added to once per answer (React's
  // "state from the previous render" pattern, so no extra render per poll).
  const [history, setHistory] = useState<{ at: number; samples: Map<string, StockSample[]> }>({ at: 0, samples: new Map() });
  if (detail.data && detail.dataUpdatedAt !== history.at) {
    const readings = new Map(detail.data.drops.flatMap((drop) => Object.entries(drop.remaining).map(([typeId, units]) => [sampleKey(drop.id, typeId), units] as const)));
    setHistory({ at: detail.dataUpdatedAt, samples: addSamples(history.samples, detail.dataUpdatedAt, readings) });
  }
  if (detail.isPending) return <Skeleton active />;
  if (detail.isError) return <Alert type="error" showIcon title={t("loadFailed")} description={detail.error.message} />;
  const campaign = detail.data;
  const next = nextOpening(campaign.drops, now);
  return (
    <Space orientation="vertical" style={{ width: "100%" }}>
      <Row gutter={16}>
        <Col xs={24} md={12}>
          <Statistic
            title={next ? `${t("nextDrop")} ${next.id} (${formatInstant(next.opensAt, campaign.timezone)})` : t("nextDrop")}
            value={next ? countdown(Date.parse(next.opensAt) - now) : t("noNextDrop")}
            data-testid="next-drop"
          />
        </Col>
        <Col xs={24} md={12}>
          <Typography.Text type="secondary">{t("refreshedEvery", { at: formatInstant(new Date(detail.dataUpdatedAt), campaign.timezone) })}</Typography.Text>
        </Col>
      </Row>
      {campaign.drops.map((drop) => (
        <DropLive key={drop.id} campaign={campaign} drop={drop} history={history.samples} now={now} />
      ))}
    </Space>
  );
}

export function DropDay() {
  const t = useMessages();
  const { id } = useParams();
  const navigate = useNavigate();
  const campaigns = useQuery({
    queryKey: ["admin-campaigns", "live"],
    queryFn: async () => (await fetchAllCampaigns()).filter((campaign) => campaign.status !== "DRAFT"),
  });
  return (
    <Space orientation="vertical" size="large" style={{ width: "100%" }}>
      <Typography.Title level={1} style={{ fontSize: 24, margin: 0 }}>
        {t("dropDayTitle")}
      </Typography.Title>
      <Space>
        <label htmlFor="drop-day-campaign">{t("chooseCampaign")}</label>
        <Select
          id="drop-day-campaign"
          style={{ minWidth: 320 }}
          loading={campaigns.isPending}
          value={id}
          placeholder={t("chooseCampaign")}
          onChange={(value: string) => void navigate(`/drop-day/${value}`)}
          options={(campaigns.data ?? []).map((campaign) => ({ value: campaign.id, label: `${campaign.name} (${campaign.id})` }))}
        />
      </Space>
      {campaigns.isError ? <Alert type="error" showIcon title={t("loadFailed")} description={campaigns.error.message} /> : null}
      {id ? <CampaignLive key={id} campaignId={id} /> : <Empty description={t("chooseCampaign")} />}
    </Space>
  );
}
