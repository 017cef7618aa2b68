/**
 * The reviewer queue (issue 14, console part), for operators: the programmes with their money, a
 * new programme of any of the four kinds, a programme's applications by status and its trade-in
 * records (buyers masked) with batch approval. One application or record opens in
 * ReviewApplication.tsx.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Card, Descriptions, Drawer, Form, Input, InputNumber, Popconfirm, Select, Skeleton, Space, Table, Tabs, Typography } from "antd";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { api, dataOf } from "../api/client";
import type { components } from "../api/openapi";
import { EmptyText, kindKey, LoadFailed, type PayableStatus, placeRefusal, type ProgrammeKind, RefusalAlert, refusalOf, StatusTag } from "../components/programme-ui";
import { formatYuan } from "../format";
import { useMessages } from "../i18n";
import { yuanRule } from "../money-input";
import { type ProgrammeForm, programmeDefinition } from "../programme-forms";
import type { FieldError } from "../programme-errors";

type Programme = components["schemas"]["Programme"];

const KINDS: ProgrammeKind[] = ["growth_reward", "event_subsidy", "new_enterprise", "trade_in"];
const STATUSES: PayableStatus[] = ["SUBMITTED", "CHANGES_REQUESTED", "REJECTED", "APPROVED", "PAID", "FAILED"];
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const PROGRAMME_FIELDS = ["id", "name", "kind", "budget", "timezone", "exclusiveGroup", "maxAward", "award", "tiers", "from", "to", "percent", "maxPerItem"];

function CreateProgramme(props: { onClose: () => void }) {
  const t = useMessages();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<ProgrammeForm>();
  const kind = Form.useWatch("kind", form);
  const [refusal, setRefusal] = useState<{ errors: FieldError[]; code?: string }>({ errors: [] });
  const create = useMutation({
    mutationFn: async (values: ProgrammeForm) => dataOf(await api.POST("/admin/programmes", { body: programmeDefinition(values) })),
    onMutate: () => setRefusal({ errors: [] }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["admin-programmes"] });
      props.onClose();
    },
    onError: (error) => {
      const errors = placeRefusal(form, error, PROGRAMME_FIELDS, { "period.from": "from", "period.to": "to", "rule.percent": "percent", "rule.maxPerItem": "maxPerItem" });
      setRefusal({ errors, code: refusalOf(error).code });
    },
  });
  const yuanPositive = [{ required: true, message: t("required") }, yuanRule(t("positiveYuanInvalid"), { positive: true })];
  const required = [{ required: true, whitespace: true, message: t("required") }];
  return (
    <Drawer
      open
      size="large"
      title={t("createProgramme")}
      onClose={props.onClose}
      extra={
        <Button type="primary" loading={create.isPending} onClick={() => form.submit()}>
          {t("submit")}
        </Button>
      }
    >
      <RefusalAlert {...refusal} />
      <Form<ProgrammeForm>
        form={form}
        layout="vertical"
        initialValues={{ kind: "event_subsidy", timezone: "Asia/Shanghai", tiers: [{ minGrowthPercent: 5, award: "" }] }}
        onFinish={(values) => create.mutate(values)}
      >
        <Form.Item label={t("programmeId")} name="id" rules={[{ required: true, pattern: /^[A-Za-z0-9_-]{1,64}$/, message: t("required") }]}>
          <Input />
        </Form.Item>
        <Form.Item label={t("programmeName")} name="name" rules={required}>
          <Input />
        </Form.Item>
        <Form.Item label={t("programmeKind")} name="kind" rules={[{ required: true }]}>
          <Select options={KINDS.map((value) => ({ value, label: t(kindKey(value)) }))} />
        </Form.Item>
        <Form.Item label={t("budgetYuan")} name="budget" rules={yuanPositive}>
          <Input inputMode="decimal" prefix="¥" />
        </Form.Item>
        <Space wrap>
          <Form.Item label={t("periodFrom")} name="from" rules={[{ required: true, pattern: DATE, message: t("dateInvalid") }]}>
            <Input placeholder="2026-01-01" />
          </Form.Item>
          <Form.Item label={t("periodTo")} name="to" rules={[{ required: true, pattern: DATE, message: t("dateInvalid") }]}>
            <Input placeholder="2026-12-31" />
          </Form.Item>
        </Space>
        <Form.Item label={t("timezone")} name="timezone" rules={required}>
          <Input />
        </Form.Item>
        <Form.Item label={t("exclusiveGroup")} name="exclusiveGroup">
          <Input />
        </Form.Item>
        {kind === "growth_reward" ? (
          <Form.List name="tiers">
            {(fields, { add, remove }) => (
              <fieldset>
                <legend style={{ fontSize: 14 }}>{t("growthTiers")}</legend>
                {fields.map((field) => (
                  <Space key={field.key} align="baseline" wrap>
                    <Form.Item label={t("tierMinGrowth")} name={[field.name, "minGrowthPercent"]} rules={[{ required: true, message: t("required") }]}>
                      <InputNumber min={0.01} max={10_000} step={0.01} />
                    </Form.Item>
                    <Form.Item label={t("tierAward")} name={[field.name, "award"]} rules={yuanPositive}>
                      <Input inputMode="decimal" prefix="¥" />
                    </Form.Item>
                    <Button onClick={() => remove(field.name)} disabled={fields.length === 1}>
                      {t("removeTier")}
                    </Button>
                  </Space>
                ))}
                <Button onClick={() => add()}>{t("addTier")}</Button>
              </fieldset>
            )}
          </Form.List>
        ) : null}
        {kind === "event_subsidy" ? (
          <Form.Item label={t("maxAwardYuan")} name="maxAward" rules={yuanPositive}>
            <Input inputMode="decimal" prefix="¥" />
          </Form.Item>
        ) : null}
        {kind === "new_enterprise" ? (
          <Form.Item label={t("awardYuan")} name="award" rules={yuanPositive}>
            <Input inputMode="decimal" prefix="¥" />
          </Form.Item>
        ) : null}
        {kind === "trade_in" ? (
          <Space wrap>
            <Form.Item label={t("rulePercent")} name="percent" rules={[{ required: true, message: t("required") }]}>
              <InputNumber min={0.01} max={100} step={0.01} />
            </Form.Item>
            <Form.Item label={t("ruleMaxPerItem")} name="maxPerItem" rules={yuanPositive}>
              <Input inputMode="decimal" prefix="¥" />
            </Form.Item>
          </Space>
        ) : null}
      </Form>
    </Drawer>
  );
}

export function useAdminProgrammes() {
  return useQuery({ queryKey: ["admin-programmes"], queryFn: async () => dataOf(await api.GET("/admin/programmes")) });
}

/** /programmes: every programme with its money, and the new-programme form. */
export function ProgrammeList() {
  const t = useMessages();
  const programmes = useAdminProgrammes();
  const [creating, setCreating] = useState(false);
  return (
    <Space orientation="vertical" size="large" style={{ width: "100%" }}>
      <Space style={{ justifyContent: "space-between", width: "100%" }}>
        <Typography.Title level={1} style={{ fontSize: 24, margin: 0 }}>
          {t("reviewTitle")}
        </Typography.Title>
        <Button type="primary" onClick={() => setCreating(true)}>
          {t("createProgramme")}
        </Button>
      </Space>
      {programmes.isError ? <LoadFailed error={programmes.error} /> : null}
      <Table<Programme>
        rowKey="id"
        loading={programmes.isPending}
        dataSource={programmes.data?.items ?? []}
        pagination={false}
        locale={{ emptyText: <EmptyText>{t("noProgrammes")}</EmptyText> }}
        columns={[
          { title: t("programme"), render: (_: unknown, p) => <Link to={`/programmes/${encodeURIComponent(p.id)}`}>{p.name}</Link> },
          { title: t("programmeKind"), render: (_: unknown, p) => t(kindKey(p.kind)) },
          { title: t("programmePeriod"), render: (_: unknown, p) => `${p.period.from} – ${p.period.to}` },
          { title: t("budget"), render: (_: unknown, p) => formatYuan(p.budget) },
          { title: t("committed"), render: (_: unknown, p) => formatYuan(p.committed) },
          { title: t("paidTotal"), render: (_: unknown, p) => formatYuan(p.paid) },
          { title: t("remaining"), render: (_: unknown, p) => formatYuan(p.remaining) },
        ]}
      />
      {creating ? <CreateProgramme onClose={() => setCreating(false)} /> : null}
    </Space>
  );
}

function Applications(props: { programmeId: string }) {
  const t = useMessages();
  const [status, setStatus] = useState<PayableStatus | "ALL">("SUBMITTED");
  const applications = useQuery({
    queryKey: ["admin-applications", props.programmeId, status],
    queryFn: async () =>
      dataOf(
        await api.GET("/admin/programmes/{id}/applications", {
          params: { path: { id: props.programmeId }, query: status === "ALL" ? {} : { status } },
        }),
      ),
    refetchInterval: 5_000,
  });
  return (
    <>
      <Space style={{ marginBottom: 16 }}>
        <label htmlFor="application-status">{t("status")}</label>
        <Select<PayableStatus | "ALL">
          id="application-status"
          style={{ width: 200 }}
          value={status}
          onChange={setStatus}
          options={[{ value: "ALL", label: t("allStatuses") }, ...STATUSES.map((value) => ({ value, label: t(`status_${value}`) }))]}
        />
      </Space>
      {applications.isError ? <LoadFailed error={applications.error} /> : null}
      <Table
        rowKey="id"
        loading={applications.isPending}
        dataSource={applications.data?.items ?? []}
        pagination={false}
        locale={{ emptyText: <EmptyText>{t("noApplications")}</EmptyText> }}
        columns={[
          { title: t("merchant"), dataIndex: "merchantId" },
          { title: t("month"), render: (_: unknown, a) => a.month ?? "—" },
          { title: t("proposedAward"), render: (_: unknown, a) => formatYuan(a.proposedAward) },
          { title: t("status"), render: (_: unknown, a) => <StatusTag status={a.status} /> },
          {
            title: t("actions"),
            render: (_: unknown, a) => (
              <Link to={`/applications/${encodeURIComponent(a.id)}`} aria-label={`${t("view")} ${a.merchantId}`}>
                {t("view")}
              </Link>
            ),
          },
        ]}
      />
    </>
  );
}

function TradeIns(props: { programmeId: string }) {
  const t = useMessages();
  const queryClient = useQueryClient();
  const [selected, setSelected] = useState<string[]>([]);
  const [result, setResult] = useState<{ approved: number; refused: { id: string; code: string }[] } | undefined>();
  const [refusal, setRefusal] = useState<FieldError[]>([]);
  const records = useQuery({
    queryKey: ["admin-trade-ins", props.programmeId],
    queryFn: async () => dataOf(await api.GET("/admin/programmes/{id}/trade-ins", { params: { path: { id: props.programmeId } } })),
    refetchInterval: 5_000,
  });
  const approve = useMutation({
    mutationFn: async (ids: string[]) => dataOf(await api.POST("/admin/trade-ins/approve", { body: { ids } })),
    onSuccess: (answer) => {
      setResult({ approved: answer.approved.length, refused: answer.refused });
      setSelected([]);
      setRefusal([]);
      void queryClient.invalidateQueries({ queryKey: ["admin-trade-ins", props.programmeId] });
      void queryClient.invalidateQueries({ queryKey: ["admin-programmes"] });
    },
    onError: (error) => setRefusal([{ name: [], message: refusalOf(error).message }]),
  });
  return (
    <>
      <Alert type="info" showIcon title={t("maskedInLists")} style={{ marginBottom: 16 }} />
      <RefusalAlert errors={refusal} />
      {result ? (
        <Alert
          type={result.refused.length > 0 ? "warning" : "success"}
          showIcon
          title={t("batchResult", { approved: result.approved, refused: result.refused.length })}
          description={result.refused.map((r) => `${r.id}: ${r.code === "PROGRAMME_BUDGET_EXCEEDED" ? t("budgetExceeded") : r.code}`).join("; ") || undefined}
          style={{ marginBottom: 16 }}
        />
      ) : null}
      <Popconfirm title={t("batchApproveConfirm", { n: selected.length })} onConfirm={() => approve.mutate(selected)} disabled={selected.length === 0}>
        <Button type="primary" disabled={selected.length === 0} loading={approve.isPending} style={{ marginBottom: 16 }}>
          {t("batchApprove")} ({selected.length})
        </Button>
      </Popconfirm>
      <Table
        rowKey="id"
        loading={records.isPending}
        dataSource={records.data?.items ?? []}
        pagination={false}
        locale={{ emptyText: <EmptyText>{t("noTradeIns")}</EmptyText> }}
        rowSelection={{
          selectedRowKeys: selected,
          onChange: (keys) => setSelected(keys.map(String)),
          getCheckboxProps: (r) => ({ disabled: r.status !== "SUBMITTED", "aria-label": r.invoiceNumber }),
        }}
        columns={[
          { title: t("merchant"), dataIndex: "merchantId" },
          { title: t("invoiceNumber"), dataIndex: "invoiceNumber" },
          { title: t("buyer"), render: (_: unknown, r) => `${r.buyer.name} ${r.buyer.phone}` },
          { title: t("newProduct"), render: (_: unknown, r) => `${r.newProduct.model} ${formatYuan(r.newProduct.price)}` },
          { title: t("subsidy"), render: (_: unknown, r) => formatYuan(r.subsidy) },
          { title: t("status"), render: (_: unknown, r) => <StatusTag status={r.status} /> },
          {
            title: t("actions"),
            render: (_: unknown, r) => (
              <Link to={`/trade-ins/${encodeURIComponent(r.id)}`} aria-label={`${t("view")} ${r.invoiceNumber}`}>
                {t("view")}
              </Link>
            ),
          },
        ]}
      />
    </>
  );
}

/** /programmes/:id: its money, its applications by status, and its trade-in records when it has them. */
export function ProgrammeDetail() {
  const t = useMessages();
  const { id = "" } = useParams();
  const programmes = useAdminProgrammes();
  const programme = programmes.data?.items.find((p) => p.id === id);
  if (programmes.isPending) return <Skeleton active />;
  if (programmes.isError) return <LoadFailed error={programmes.error} />;
  if (!programme) return <Alert type="error" showIcon title={t("notFound")} />;
  return (
    <Space orientation="vertical" size="large" style={{ width: "100%" }}>
      <Link to="/programmes">{t("back")}</Link>
      <Typography.Title level={1} style={{ fontSize: 24, margin: 0 }}>
        {programme.name}
      </Typography.Title>
      <Card>
        <Descriptions size="small" column={{ xs: 1, md: 3 }}>
          <Descriptions.Item label={t("programmeId")}>{programme.id}</Descriptions.Item>
          <Descriptions.Item label={t("programmeKind")}>{t(kindKey(programme.kind))}</Descriptions.Item>
          <Descriptions.Item label={t("programmePeriod")}>{`${programme.period.from} – ${programme.period.to} (${programme.timezone})`}</Descriptions.Item>
          <Descriptions.Item label={t("budget")}>{formatYuan(programme.budget)}</Descriptions.Item>
          <Descriptions.Item label={t("committed")}>{formatYuan(programme.committed)}</Descriptions.Item>
          <Descriptions.Item label={t("remaining")}>{formatYuan(programme.remaining)}</Descriptions.Item>
          {programme.maxAward !== undefined ? <Descriptions.Item label={t("maxAwardYuan")}>{formatYuan(programme.maxAward)}</Descriptions.Item> : null}
          {programme.award !== undefined ? <Descriptions.Item label={t("awardYuan")}>{formatYuan(programme.award)}</Descriptions.Item> : null}
          {programme.rule ? <Descriptions.Item label={t("subsidy")}>{`${programme.rule.percent}%, ≤ ${formatYuan(programme.rule.maxPerItem)}`}</Descriptions.Item> : null}
          {programme.exclusiveGroup ? <Descriptions.Item label={t("exclusiveGroup")}>{programme.exclusiveGroup}</Descriptions.Item> : null}
        </Descriptions>
      </Card>
      <Tabs
        items={[
          { key: "applications", label: t("applications"), children: <Applications programmeId={programme.id} /> },
          ...(programme.kind === "trade_in" ? [{ key: "trade-ins", label: t("tradeIns"), children: <TradeIns programmeId={programme.id} /> }] : []),
        ]}
        defaultActiveKey={programme.kind === "trade_in" ? "trade-ins" : "applications"}
      />
    </Space>
  );
}
