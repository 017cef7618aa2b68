/**
 * The merchant portal (issue 14, console part): a merchant signed in sees the programmes open to
 * it, files (备案) for one, applies (a growth reward for a month with its sales, in yuan; an event
 * subsidy or new-enterprise award with a summary) with evidence uploaded from the browser, records
 * trade-ins, and follows its applications to PAID, resubmitting one sent back for changes. Every
 * refusal of the API is shown next to the field it concerns (programme-errors.ts).
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Card, Form, Input, Modal, Skeleton, Space, Table, Typography } from "antd";
import { type HTMLAttributes, useState } from "react";
import { api, dataOf } from "../api/client";
import type { components } from "../api/openapi";
import { EmptyText, EvidenceField, kindKey, LoadFailed, placeRefusal, RefusalAlert, refusalOf, StatusTag } from "../components/programme-ui";
import { formatInstant, formatYuan } from "../format";
import { useMessages } from "../i18n";
import { fenToYuanInput, yuanRule, yuanToFen } from "../money-input";
import { APPLICATION_FIELDS, type ApplicationForm, applicationBody, percentText } from "../programme-forms";
import type { FieldError } from "../programme-errors";

type Programme = components["schemas"]["Programme"];
type Application = components["schemas"]["Application"];

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

function useErrors() {
  return useState<{ errors: FieldError[]; code?: string }>({ errors: [] });
}

function FileDialog(props: { programme: Programme; onFiled: (filedAt: string) => void; onClose: () => void }) {
  const t = useMessages();
  const [form] = Form.useForm<{ plan: string }>();
  const [refusal, setRefusal] = useErrors();
  const file = useMutation({
    mutationFn: async (plan: string) =>
      dataOf(await api.POST("/merchant/programmes/{id}/filings", { params: { path: { id: props.programme.id } }, body: { plan } })),
    onSuccess: (filing) => props.onFiled(filing.filedAt),
    onError: (error) => setRefusal({ errors: placeRefusal(form, error, ["plan"]), code: refusalOf(error).code }),
  });
  return (
    <Modal open title={t("fileTitle", { name: props.programme.name })} okText={t("submit")} confirmLoading={file.isPending} onOk={() => form.submit()} onCancel={props.onClose}>
      <RefusalAlert {...refusal} />
      <Form form={form} layout="vertical" onFinish={(values) => file.mutate(values.plan)}>
        <Form.Item label={t("plan")} name="plan" rules={[{ required: true, whitespace: true, message: t("required") }]}>
          <Input.TextArea rows={4} maxLength={5000} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** Applying for a programme, or (with `resubmitting`) changing an application sent back. */
function ApplyDialog(props: { programme: { id: string; name: string; kind: Programme["kind"] }; resubmitting?: Application; onClose: () => void }) {
  const t = useMessages();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<ApplicationForm>();
  const [refusal, setRefusal] = useErrors();
  const [result, setResult] = useState<Application | undefined>();
  const growth = props.programme.kind === "growth_reward";
  const previous = props.resubmitting;
  const apply = useMutation({
    mutationFn: async (values: ApplicationForm) => {
      const body = applicationBody(values, growth, previous?.attachments ?? []);
      return previous
        ? dataOf(await api.PUT("/merchant/applications/{id}", { params: { path: { id: previous.id } }, body }))
        : dataOf(await api.POST("/merchant/programmes/{id}/applications", { params: { path: { id: props.programme.id } }, body }));
    },
    onMutate: () => setRefusal({ errors: [] }),
    onSuccess: (application) => {
      setResult(application);
      void queryClient.invalidateQueries({ queryKey: ["merchant-applications"] });
    },
    onError: (error) => setRefusal({ errors: placeRefusal(form, error, APPLICATION_FIELDS), code: refusalOf(error).code }),
  });
  const yuan = [{ required: true, message: t("required") }, yuanRule(t("yuanInvalid"))];
  return (
    <Modal
      open
      width={640}
      title={previous ? t("resubmitTitle", { id: previous.id }) : t("applyTitle", { name: props.programme.name })}
      okText={t("submit")}
      okButtonProps={{ disabled: result !== undefined }}
      confirmLoading={apply.isPending}
      onOk={() => form.submit()}
      onCancel={props.onClose}
    >
      {result ? (
        <Alert
          type="success"
          showIcon
          data-testid="application-result"
          title={
            result.growthPercent === undefined
              ? t("applied", { award: formatYuan(result.proposedAward) })
              : t("appliedGrowth", { growth: percentText(result.growthPercent), award: formatYuan(result.proposedAward) })
          }
          style={{ marginBottom: 16 }}
        />
      ) : null}
      <RefusalAlert {...refusal} />
      <Form<ApplicationForm>
        form={form}
        layout="vertical"
        disabled={result !== undefined}
        initialValues={
          previous
            ? {
                month: previous.month,
                summary: previous.summary,
                ...(previous.sales
                  ? { sales: { current: fenToYuanInput(previous.sales.current), lastYear: fenToYuanInput(previous.sales.lastYear), previousMonth: fenToYuanInput(previous.sales.previousMonth) } }
                  : {}),
              }
            : {}
        }
        onFinish={(values) => apply.mutate(values)}
      >
        {growth ? (
          <>
            <Form.Item label={t("month")} name="month" rules={[{ required: true, pattern: MONTH, message: t("monthInvalid") }]}>
              <Input placeholder="2026-11" />
            </Form.Item>
            <Form.Item label={t("salesCurrent")} name={["sales", "current"]} rules={yuan}>
              <Input inputMode="decimal" prefix="¥" />
            </Form.Item>
            <Form.Item label={t("salesLastYear")} name={["sales", "lastYear"]} rules={yuan}>
              <Input inputMode="decimal" prefix="¥" />
            </Form.Item>
            <Form.Item label={t("salesPreviousMonth")} name={["sales", "previousMonth"]} rules={yuan}>
              <Input inputMode="decimal" prefix="¥" />
            </Form.Item>
          </>
        ) : null}
        <Form.Item label={t("summary")} name="summary" rules={[{ required: true, whitespace: true, message: t("required") }]}>
          <Input.TextArea rows={3} maxLength={5000} />
        </Form.Item>
        <EvidenceField name="attachments" />
      </Form>
    </Modal>
  );
}

interface TradeInForm {
  buyer: { name: string; phone: string };
  newProduct: { category: string; model: string; price: string };
  oldProduct: { category: string; description: string };
  invoiceNumber: string;
  attachments: string[];
}

const TRADE_IN_FIELDS = [
  "buyer.name",
  "buyer.phone",
  "newProduct.category",
  "newProduct.model",
  "newProduct.price",
  "oldProduct.category",
  "oldProduct.description",
  "invoiceNumber",
  "attachments",
];

/** A trade-in programme's records of this merchant (buyers masked) and the form to record one. */
function TradeInDialog(props: { programme: Programme; onClose: () => void }) {
  const t = useMessages();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<TradeInForm>();
  const [refusal, setRefusal] = useErrors();
  const [recorded, setRecorded] = useState<number | undefined>();
  const records = useQuery({
    queryKey: ["merchant-trade-ins", props.programme.id],
    queryFn: async () => dataOf(await api.GET("/merchant/programmes/{id}/trade-ins", { params: { path: { id: props.programme.id } } })),
  });
  const record = useMutation({
    mutationFn: async (values: TradeInForm) =>
      dataOf(
        await api.POST("/merchant/programmes/{id}/trade-ins", {
          params: { path: { id: props.programme.id } },
          body: { ...values, newProduct: { ...values.newProduct, price: yuanToFen(values.newProduct.price) ?? 0 } },
        }),
      ),
    onMutate: () => setRefusal({ errors: [] }),
    onSuccess: (created) => {
      setRecorded(created.subsidy);
      form.resetFields();
      void queryClient.invalidateQueries({ queryKey: ["merchant-trade-ins", props.programme.id] });
    },
    onError: (error) => setRefusal({ errors: placeRefusal(form, error, TRADE_IN_FIELDS), code: refusalOf(error).code }),
  });
  const required = [{ required: true, whitespace: true, message: t("required") }];
  return (
    <Modal open width={760} title={t("tradeInTitle", { name: props.programme.name })} okText={t("submit")} confirmLoading={record.isPending} onOk={() => form.submit()} onCancel={props.onClose}>
      {recorded !== undefined ? <Alert type="success" showIcon title={t("tradeInRecorded", { subsidy: formatYuan(recorded) })} style={{ marginBottom: 16 }} /> : null}
      <RefusalAlert {...refusal} />
      <Form<TradeInForm> form={form} layout="vertical" onFinish={(values) => record.mutate(values)}>
        <Space wrap>
          <Form.Item label={t("buyerName")} name={["buyer", "name"]} rules={required}>
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item label={t("buyerPhone")} name={["buyer", "phone"]} rules={required}>
            <Input autoComplete="off" inputMode="tel" />
          </Form.Item>
          <Form.Item label={t("invoiceNumber")} name="invoiceNumber" rules={required}>
            <Input />
          </Form.Item>
        </Space>
        <Space wrap>
          <Form.Item label={t("newCategory")} name={["newProduct", "category"]} rules={required}>
            <Input />
          </Form.Item>
          <Form.Item label={t("newModel")} name={["newProduct", "model"]} rules={required}>
            <Input />
          </Form.Item>
          <Form.Item label={t("newPrice")} name={["newProduct", "price"]} rules={[...required, yuanRule(t("positiveYuanInvalid"), { positive: true })]}>
            <Input inputMode="decimal" prefix="¥" />
          </Form.Item>
        </Space>
        <Space wrap>
          <Form.Item label={t("oldCategory")} name={["oldProduct", "category"]} rules={required}>
            <Input />
          </Form.Item>
          <Form.Item label={t("oldDescription")} name={["oldProduct", "description"]} rules={required}>
            <Input />
          </Form.Item>
        </Space>
        <EvidenceField name="attachments" required />
      </Form>
      <Table
        size="small"
        rowKey="id"
        loading={records.isPending}
        dataSource={records.data?.items ?? []}
        pagination={false}
        columns={[
          { title: t("invoiceNumber"), dataIndex: "invoiceNumber" },
          { title: t("buyer"), render: (_: unknown, r) => `${r.buyer.name} ${r.buyer.phone}` },
          { title: t("newProduct"), render: (_: unknown, r) => `${r.newProduct.model} ${formatYuan(r.newProduct.price)}` },
          { title: t("subsidy"), render: (_: unknown, r) => formatYuan(r.subsidy) },
          { title: t("status"), render: (_: unknown, r) => <StatusTag status={r.status} /> },
        ]}
      />
    </Modal>
  );
}

type Dialog = { kind: "file" | "apply" | "trade-in"; programme: Programme } | { kind: "resubmit"; application: Application };

export function MerchantPortal() {
  const t = useMessages();
  const [dialog, setDialog] = useState<Dialog | undefined>();
  const [filed, setFiled] = useState<Record<string, string>>({});
  const programmes = useQuery({
    queryKey: ["merchant-programmes"],
    queryFn: async () => dataOf(await api.GET("/merchant/programmes")),
  });
  const applications = useQuery({
    queryKey: ["merchant-applications"],
    queryFn: async () => dataOf(await api.GET("/merchant/applications")),
    // An approved award is paid by the payout queue: follow it to PAID without a reload.
    refetchInterval: 3_000,
  });
  const programmeById = new Map((programmes.data?.items ?? []).map((programme) => [programme.id, programme]));
  return (
    <Space orientation="vertical" size="large" style={{ width: "100%" }}>
      <Typography.Title level={1} style={{ fontSize: 24, margin: 0 }}>
        {t("portalTitle")}
      </Typography.Title>
      <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t("openProgrammes")}</h2>}>
        {programmes.isError ? <LoadFailed error={programmes.error} /> : null}
        {programmes.isPending ? <Skeleton active /> : null}
        {programmes.data ? (
          <Table
            rowKey="id"
            dataSource={programmes.data.items}
            pagination={false}
            locale={{ emptyText: <EmptyText>{t("noOpenProgrammes")}</EmptyText> }}
            columns={[
              { title: t("programme"), dataIndex: "name" },
              { title: t("programmeKind"), render: (_: unknown, p) => t(kindKey(p.kind)) },
              { title: t("programmePeriod"), render: (_: unknown, p) => `${p.period.from} – ${p.period.to} (${p.timezone})` },
              {
                title: t("actions"),
                render: (_: unknown, p) =>
                  p.kind === "trade_in" ? (
                    <Button onClick={() => setDialog({ kind: "trade-in", programme: p })}>{t("tradeInsAction")}</Button>
                  ) : (
                    <Space wrap>
                      <Button onClick={() => setDialog({ kind: "file", programme: p })} aria-label={`${t("fileAction")} ${p.name}`}>
                        {t("fileAction")}
                      </Button>
                      <Button type="primary" onClick={() => setDialog({ kind: "apply", programme: p })} aria-label={`${t("applyAction")} ${p.name}`}>
                        {t("applyAction")}
                      </Button>
                      {filed[p.id] ? <Typography.Text data-testid={`filed-${p.id}`}>{t("filedAt", { at: formatInstant(filed[p.id]!, p.timezone) })}</Typography.Text> : null}
                    </Space>
                  ),
              },
            ]}
          />
        ) : null}
      </Card>
      <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t("myApplications")}</h2>}>
        {applications.isError ? <LoadFailed error={applications.error} /> : null}
        <Table
          rowKey="id"
          loading={applications.isPending}
          dataSource={applications.data?.items ?? []}
          pagination={false}
          locale={{ emptyText: <EmptyText>{t("noApplications")}</EmptyText> }}
          onRow={(application) => ({ "data-testid": `application-${application.programmeId}` }) as HTMLAttributes<HTMLElement>}
          columns={[
            { title: t("programme"), render: (_: unknown, a) => programmeById.get(a.programmeId)?.name ?? a.programmeId },
            { title: t("month"), render: (_: unknown, a) => a.month ?? "—" },
            { title: t("growth"), render: (_: unknown, a) => (a.growthPercent === undefined ? "—" : percentText(a.growthPercent)) },
            { title: t("proposedAward"), render: (_: unknown, a) => formatYuan(a.proposedAward) },
            { title: t("award"), render: (_: unknown, a) => (a.award === undefined ? "—" : formatYuan(a.award)) },
            { title: t("status"), render: (_: unknown, a) => <StatusTag status={a.status} /> },
            { title: t("reason"), render: (_: unknown, a) => a.reason ?? "" },
            {
              title: t("actions"),
              render: (_: unknown, a) =>
                a.status === "CHANGES_REQUESTED" ? <Button onClick={() => setDialog({ kind: "resubmit", application: a })}>{t("resubmit")}</Button> : null,
            },
          ]}
        />
      </Card>
      {dialog?.kind === "file" ? (
        <FileDialog
          programme={dialog.programme}
          onClose={() => setDialog(undefined)}
          onFiled={(filedAt) => {
            setFiled((before) => ({ ...before, [dialog.programme.id]: filedAt }));
            setDialog(undefined);
          }}
        />
      ) : null}
      {dialog?.kind === "apply" ? <ApplyDialog programme={dialog.programme} onClose={() => setDialog(undefined)} /> : null}
      {dialog?.kind === "resubmit" ? (
        <ApplyDialog
          programme={{ id: dialog.application.programmeId, name: programmeById.get(dialog.application.programmeId)?.name ?? dialog.application.programmeId, kind: dialog.application.programmeKind }}
          resubmitting={dialog.application}
          onClose={() => setDialog(undefined)}
        />
      ) : null}
      {dialog?.kind === "trade-in" ? <TradeInDialog programme={dialog.programme} onClose={() => setDialog(undefined)} /> : null}
    </Space>
  );
}
