/**
 * Reports (issue item 8): a campaign's figures with charts (by day: claimed, redeemed, subsidy; by
 * sector: subsidy and gross sales; leverage) and the CSV download of the bureau's report.
 */
import { useMutation, useQuery } from "@tanstack/react-query";
import { Button, Card, Col, Empty, Row, Space, Statistic, Typography } from "antd";
import type { EChartsOption } from "echarts";
import { useMemo, useState } from "react";
import { api, apiErrorOf, dataOf } from "../api/client";
import type { components } from "../api/openapi";
import { EChart } from "../components/EChart";
import { ApiErrorAlert, CampaignPicker, OperationsScreen } from "../components/operations";
import { fenToYuan, formatInstant, formatPercent, formatYuan } from "../format";
import { type Messages, useMessages } from "../i18n";
import { sectorKey } from "./Merchants";

type Report = components["schemas"]["CampaignReport"];

/** By day: claimed and redeemed as bars (vouchers), subsidy as a line (yuan, right axis). */
export function byDayOption(report: Report, t: Messages): EChartsOption {
  return {
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 48, right: 64, bottom: 32, top: 40 },
    xAxis: { type: "category", data: report.byDay.map((day) => day.date) },
    yAxis: [
      { type: "value", name: t("countAxis"), minInterval: 1 },
      { type: "value", name: t("subsidyYuan"), position: "right" },
    ],
    series: [
      { type: "bar", name: t("claimed"), data: report.byDay.map((day) => day.claimed) },
      { type: "bar", name: t("redeemed"), data: report.byDay.map((day) => day.redeemed) },
      { type: "line", name: t("subsidy"), yAxisIndex: 1, data: report.byDay.map((day) => fenToYuan(day.subsidy)) },
    ],
  };
}

/** By sector: subsidy and gross sales in yuan, side by side. */
export function bySectorOption(report: Report, t: Messages): EChartsOption {
  return {
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 72, right: 24, bottom: 32, top: 40 },
    xAxis: { type: "category", data: report.bySector.map((row) => t(sectorKey(row.sector))) },
    yAxis: { type: "value", name: "¥" },
    series: [
      { type: "bar", name: t("subsidy"), data: report.bySector.map((row) => fenToYuan(row.subsidy)) },
      { type: "bar", name: t("grossSales"), data: report.bySector.map((row) => fenToYuan(row.grossSales)) },
    ],
  };
}

/** The bureau's CSV through the API (with the operator's token), saved as the API names it. */
async function downloadCsv(campaignId: string): Promise<void> {
  const result = await api.GET("/admin/reports/campaigns/{id}", { params: { path: { id: campaignId }, query: { format: "csv" } }, parseAs: "blob" });
  if (!result.response.ok || !result.data) throw apiErrorOf(result.error, result.response);
  const url = URL.createObjectURL(result.data);
  try {
    const link = document.createElement("a");
    link.href = url;
    link.download = `${campaignId}-report.csv`;
    document.body.append(link);
    link.click();
    link.remove();
  } finally {
    // The click has handed the blob to the download; the URL is not needed after it.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}

function ReportView(props: { report: Report }) {
  const t = useMessages();
  const { report } = props;
  const { summary } = report;
  const byDay = useMemo(() => byDayOption(report, t), [report, t]);
  const bySector = useMemo(() => bySectorOption(report, t), [report, t]);
  const download = useMutation({ mutationFn: () => downloadCsv(report.campaign.id) });
  const figures: [string, string | number][] = [
    [t("dropsHeld"), `${summary.dropsHeld} / ${summary.dropsScheduled}`],
    [t("participatingMerchants"), summary.participatingMerchants],
    [t("vouchersIssued"), summary.vouchersIssued],
    [t("claimed"), summary.claimed],
    [t("redeemed"), summary.redeemed],
    [t("redemptionRate"), formatPercent(summary.redemptionRate)],
    [t("subsidy"), formatYuan(summary.subsidy)],
    [t("grossSales"), formatYuan(summary.grossSales)],
    [t("leverage"), t("leverageValue", { x: summary.leverage.toFixed(2) })],
    [t("remaining"), formatYuan(summary.remainingBudget)],
  ];
  return (
    <Space orientation="vertical" size="large" style={{ width: "100%" }}>
      <Card
        title={`${report.campaign.name} (${report.campaign.id})`}
        extra={
          <Button type="primary" onClick={() => download.mutate()} loading={download.isPending}>
            {t("downloadCsv")}
          </Button>
        }
      >
        <Typography.Paragraph type="secondary">
          {t("reportDate")}: {report.reportDate} · {t("window")}: {formatInstant(report.campaign.startsAt, report.campaign.timezone)} →{" "}
          {formatInstant(report.campaign.endsAt, report.campaign.timezone)}
        </Typography.Paragraph>
        {download.isError ? <ApiErrorAlert error={download.error} title={t("downloadCsv")} /> : null}
        <Row gutter={[16, 16]}>
          {figures.map(([title, value]) => (
            <Col xs={12} md={6} lg={4} key={title}>
              <Statistic title={title} value={value} />
            </Col>
          ))}
        </Row>
      </Card>
      <Row gutter={16}>
        <Col xs={24} lg={12}>
          <Card title={t("byDayChart")}>
            <EChart option={byDay} ariaLabel={t("byDayChart")} style={{ height: 300 }} />
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card title={t("bySectorChart")}>
            <EChart option={bySector} ariaLabel={t("bySectorChart")} style={{ height: 300 }} />
          </Card>
        </Col>
      </Row>
    </Space>
  );
}

export function Reports() {
  const t = useMessages();
  const [campaignId, setCampaignId] = useState<string | undefined>();
  const report = useQuery({
    queryKey: ["report", campaignId],
    enabled: campaignId !== undefined,
    queryFn: async (): Promise<Report> => {
      const report = dataOf(await api.GET("/admin/reports/campaigns/{id}", { params: { path: { id: campaignId! }, query: { format: "json" } } }));
      // The route answers text only when asked for CSV.
      if (typeof report === "string") throw new TypeError("expected the JSON report");
      return report;
    },
  });
  return (
    <OperationsScreen title={t("reportsTitle")}>
      <CampaignPicker value={campaignId} onChange={setCampaignId} />
      {report.isError ? <ApiErrorAlert error={report.error} /> : null}
      {report.isLoading ? <Card loading /> : null}
      {campaignId === undefined ? <Empty description={t("chooseCampaign")} /> : null}
      {report.data ? <ReportView report={report.data} /> : null}
    </OperationsScreen>
  );
}
