/**
 * Settlement (issue item 7): run a period; statements by status across periods (or of one
 * period), a statement's lines; retry a FAILED payout; a campaign's reconciliation with a clear
 * balanced / not balanced badge and the difference in yuan.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Card, Col, Descriptions, Form, Input, Row, Select, Space, Statistic, Table, Typography } from "antd";
import { useState } from "react";
import { api, dataOf } from "../api/client";
import type { components } from "../api/openapi";
import { ApiErrorAlert, CampaignPicker, allPages, showFieldErrors, useCampaignZones, OperationsScreen, STATUS_COLOURS, StatusTag } from "../components/operations";
import { calendarDay, formatInstant, formatYuan, localZone } from "../format";
import { useMessages } from "../i18n";

type Statement = components["schemas"]["Statement"];
type StatementStatus = Statement["status"];
type Line = components["schemas"]["StatementDetail"]["redemptions"][number];

const STATUSES: StatementStatus[] = ["PAID", "PENDING", "HELD", "FAILED", "CARRIED", "FORFEITED", "BUILDING"];
const COLOURS: Record<StatementStatus, string> = {
  BUILDING: STATUS_COLOURS.idle,
  PENDING: STATUS_COLOURS.busy,
  PAID: STATUS_COLOURS.ok,
  HELD: STATUS_COLOURS.warn,
  FAILED: STATUS_COLOURS.bad,
  CARRIED: STATUS_COLOURS.idle,
  FORFEITED: STATUS_COLOURS.bad,
};
const fen = (value: number | undefined) => (value === undefined ? "—" : formatYuan(value));

function RunSettlement() {
  const t = useMessages();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ period: string; campaignId?: string }>();
  const run = useMutation({
    mutationFn: async (values: { period: string; campaignId?: string }) =>
      dataOf(await api.POST("/admin/settlements/run", { body: { period: values.period, ...(values.campaignId ? { campaignId: values.campaignId } : {}) } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["statements"] }),
    onError: (error) => showFieldErrors(form, error, ["period", "campaignId"]),
  });
  const pairs = run.data?.runs.reduce((sum, planned) => sum + planned.pairs, 0) ?? 0;
  return (
    <Card title={t("runSettlement")}>
      <Form form={form} layout="inline" initialValues={{ period: calendarDay(new Date(), localZone()) }} onFinish={(values) => run.mutate(values)}>
        <Form.Item label={t("period")} name="period">
          <Input placeholder="YYYY-MM-DD" style={{ width: 140 }} />
        </Form.Item>
        <Form.Item label={t("campaignOptional")} name="campaignId">
          <CampaignPicker allowClear label={t("campaignOptional")} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={run.isPending}>
          {t("run")}
        </Button>
      </Form>
      {run.data ? (
        <Alert type="success" showIcon style={{ marginTop: 12 }} title={t("runPlanned", { period: run.data.period, runs: run.data.runs.length, pairs })} />
      ) : null}
      {run.isError ? <ApiErrorAlert error={run.error} title={t("runSettlement")} /> : null}
    </Card>
  );
}

function LineTable(props: { title: string; lines: Line[]; zone: string }) {
  const t = useMessages();
  if (props.lines.length === 0) return null;
  return (
    <Table<Line>
      size="small"
      title={() => props.title}
      rowKey={(line) => `${line.partnerId}/${line.transactionId}/${line.eventId ?? ""}/${line.flagId ?? ""}`}
      dataSource={props.lines}
      pagination={false}
      columns={[
        { title: t("transaction"), key: "transaction", render: (_, line) => `${line.partnerId}/${line.transactionId}` },
        { title: t("payer"), dataIndex: "payerId" },
        { title: t("amount"), dataIndex: "amount", align: "right", render: fen },
        { title: t("discount"), dataIndex: "discount", align: "right", render: fen },
        { title: t("occurredAt"), dataIndex: "occurredAt", render: (value: string) => formatInstant(value, props.zone) },
      ]}
    />
  );
}

function StatementLines(props: { statement: Statement; zone: string }) {
  const t = useMessages();
  const { campaignId, merchantId, period } = props.statement;
  const detail = useQuery({
    queryKey: ["statement", campaignId, merchantId, period],
    queryFn: async () => dataOf(await api.GET("/admin/settlements/{campaignId}/{merchantId}/{period}", { params: { path: { campaignId, merchantId, period } } })),
  });
  if (detail.isError) return <ApiErrorAlert error={detail.error} />;
  if (!detail.data) return <Card loading size="small" />;
  return (
    <Space orientation="vertical" style={{ width: "100%" }} data-testid={`lines-${props.statement.statementId}`}>
      {detail.data.lastPayoutError ? <Alert type="error" title={`${t("lastPayoutError")}: ${detail.data.lastPayoutError}`} /> : null}
      <LineTable title={t("redemptions")} lines={detail.data.redemptions} zone={props.zone} />
      <LineTable title={t("reversals")} lines={detail.data.reversals} zone={props.zone} />
      <LineTable title={t("clawbacks")} lines={detail.data.clawbacks} zone={props.zone} />
      <LineTable title={t("refunds")} lines={detail.data.refunds} zone={props.zone} />
    </Space>
  );
}

function Statements() {
  const t = useMessages();
  const queryClient = useQueryClient();
  const zoneOf = useCampaignZones();
  const [status, setStatus] = useState<StatementStatus | undefined>();
  const [period, setPeriod] = useState<string | undefined>(calendarDay(new Date(), localZone()));
  const statements = useQuery({
    queryKey: ["statements", status ?? "all", period ?? "all"],
    enabled: status !== undefined || period !== undefined,
    queryFn: () =>
      allPages(async (nextToken) =>
        dataOf(
          await api.GET("/admin/settlements", {
            params: { query: { limit: 100, ...(status ? { status } : {}), ...(period ? { period } : {}), ...(nextToken ? { nextToken } : {}) } },
          }),
        ),
      ),
    // Payouts go on in the queue: the statuses move on their own for a while after a run.
    refetchInterval: 3_000,
  });
  const retry = useMutation({
    mutationFn: async (statement: Statement) =>
      dataOf(
        await api.POST("/admin/settlements/{campaignId}/{merchantId}/{period}/retry-payout", {
          params: { path: { campaignId: statement.campaignId, merchantId: statement.merchantId, period: statement.period } },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["statements"] }),
  });
  return (
    <Card title={t("statements")}>
      <Space wrap style={{ marginBottom: 12 }}>
        <Select<StatementStatus | "all">
          virtual={false}
          aria-label={t("statementStatus")}
          value={status ?? "all"}
          style={{ width: 180 }}
          onChange={(value) => setStatus(value === "all" ? undefined : value)}
          options={[{ value: "all", label: t("allStatuses") }, ...STATUSES.map((value) => ({ value, label: t(`statement${value}`) }))]}
        />
        <Input
          aria-label={t("statementsOfPeriod")}
          placeholder={`${t("period")} YYYY-MM-DD`}
          allowClear
          style={{ width: 200 }}
          value={period}
          onChange={(event) => setPeriod(event.target.value === "" ? undefined : event.target.value)}
        />
      </Space>
      {statements.isError ? <ApiErrorAlert error={statements.error} /> : null}
      {retry.isError ? <ApiErrorAlert error={retry.error} title={t("retryPayout")} /> : null}
      <Table<Statement>
        rowKey="statementId"
        size="middle"
        loading={statements.isLoading}
        dataSource={statements.data ?? []}
        locale={{ emptyText: t("noStatements") }}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        expandable={{ expandedRowRender: (statement) => <StatementLines statement={statement} zone={zoneOf(statement.campaignId)} /> }}
        columns={[
          { title: t("campaign"), dataIndex: "campaignId" },
          { title: t("merchant"), dataIndex: "merchantId" },
          { title: t("period"), dataIndex: "period" },
          {
            title: t("status"),
            dataIndex: "status",
            render: (value: StatementStatus) => (
              <StatusTag colour={COLOURS[value]} testId="statement-status">
                {t(`statement${value}`)}
              </StatusTag>
            ),
          },
          { title: t("redemptionCount"), dataIndex: "redemptionCount", align: "right" },
          { title: t("subsidy"), dataIndex: "subsidy", align: "right", render: fen },
          { title: t("clawback"), dataIndex: "clawback", align: "right", render: fen },
          { title: t("payable"), dataIndex: "payable", align: "right", render: fen },
          {
            title: t("actions"),
            key: "actions",
            render: (_, statement) =>
              statement.status === "FAILED" ? (
                <Button size="small" type="primary" loading={retry.isPending} onClick={() => retry.mutate(statement)}>
                  {t("retryPayout")}
                </Button>
              ) : null,
          },
        ]}
      />
    </Card>
  );
}

function Reconciliation() {
  const t = useMessages();
  const [campaignId, setCampaignId] = useState<string | undefined>();
  const books = useQuery({
    queryKey: ["reconciliation", campaignId],
    enabled: campaignId !== undefined,
    queryFn: async () => dataOf(await api.GET("/admin/campaigns/{id}/reconciliation", { params: { path: { id: campaignId! } } })),
    refetchInterval: 5_000,
  });
  const data = books.data;
  return (
    <Card title={t("reconciliation")} extra={<CampaignPicker value={campaignId} onChange={setCampaignId} />}>
      {books.isError ? <ApiErrorAlert error={books.error} /> : null}
      {books.isLoading ? <Card loading size="small" /> : null}
      {data ? (
        <Space orientation="vertical" style={{ width: "100%" }} data-testid="reconciliation">
          <Space size="large">
            <span style={{ fontSize: 16 }}>
              <StatusTag colour={data.balanced ? STATUS_COLOURS.ok : STATUS_COLOURS.bad} testId="reconciliation-badge">
                {t(data.balanced ? "balanced" : "notBalanced")}
              </StatusTag>
            </span>
            <Typography.Text data-testid="reconciliation-difference">
              {t("difference")}: {formatYuan(data.difference)}
            </Typography.Text>
          </Space>
          <Row gutter={16}>
            {(
              [
                ["redeemed", data.redeemed],
                ["reversed", data.reversed],
                ["inStatements", data.inStatements],
                ["unsettled", data.unsettled],
                ["paid", data.paid],
                ["budget", data.budget],
              ] as const
            ).map(([key, value]) => (
              <Col xs={12} md={4} key={key}>
                <Statistic title={t(key)} value={formatYuan(value)} />
              </Col>
            ))}
          </Row>
          <Descriptions size="small" column={{ xs: 2, md: 7 }}>
            {STATUSES.map((value) => (
              <Descriptions.Item key={value} label={t(`statement${value}`)}>
                {data.statements[value]}
              </Descriptions.Item>
            ))}
          </Descriptions>
          {data.problems.length ? <Alert type="error" title={t("problems")} description={<ul>{data.problems.map((problem) => <li key={problem}>{problem}</li>)}</ul>} /> : null}
        </Space>
      ) : null}
    </Card>
  );
}

export function Settlement() {
  const t = useMessages();
  return (
    <OperationsScreen title={t("settlementTitle")}>
      <RunSettlement />
      <Statements />
      <Reconciliation />
    </OperationsScreen>
  );
}
