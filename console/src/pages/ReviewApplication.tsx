/**
 * One application or trade-in record as a reviewer decides it: its figures, its evidence inline
 * (images from their presigned GETs, PDFs as links), and the decisions behind confirmation dialogs
 * — approve (the award typed for an event subsidy, at most its maxAward), reject or request changes
 * with a reason, retry a FAILED payout. An approved award is followed to PAID by a bounded poll.
 * A trade-in record shows its buyer whole: the API audits that read, and the screen says so; its
 * FAILED subsidy payout can be retried like an award.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Card, Descriptions, Form, Input, Modal, Popconfirm, Skeleton, Space, Typography } from "antd";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { api, dataOf } from "../api/client";
import { EvidenceInline, kindKey, LoadFailed, placeRefusal, RefusalAlert, refusalOf, StatusTag } from "../components/programme-ui";
import { formatInstant, formatYuan } from "../format";
import { type MessageKey, useMessages } from "../i18n";
import { fenToYuanInput, yuanRule, yuanToFen } from "../money-input";
import type { FieldError } from "../programme-errors";
import { percentText } from "../programme-forms";
import { useAdminProgrammes } from "./ProgrammeReview";

/** How long the screen follows an approved award to PAID (the payout queue pays within seconds). */
const PAYOUT_POLL_MS = 2_000;
const PAYOUT_POLL_LIMIT = 60;

type Decision = "approve" | "reject" | "request-changes";

interface DecisionForm {
  award?: string;
  note?: string;
  reason?: string;
}

const TITLES: Record<Decision, MessageKey> = { approve: "approveTitle", reject: "rejectTitle", "request-changes": "requestChangesTitle" };

/** The confirmation dialog of a decision: the award and a note to approve, a reason otherwise. */
function DecisionDialog(props: {
  decision: Decision;
  /** Fen the approval pays when no award is typed. */
  proposedAward: number;
  /** Set when the reviewer types the award (event subsidies): the most it may be, fen. */
  maxAward?: number;
  submit: (values: DecisionForm) => Promise<unknown>;
  onDone: () => void;
  onClose: () => void;
}) {
  const t = useMessages();
  const [form] = Form.useForm<DecisionForm>();
  const [refusal, setRefusal] = useState<{ errors: FieldError[]; code?: string }>({ errors: [] });
  const award = Form.useWatch("award", form);
  const decide = useMutation({
    mutationFn: props.submit,
    onMutate: () => setRefusal({ errors: [] }),
    onSuccess: props.onDone,
    onError: (error) => setRefusal({ errors: placeRefusal(form, error, props.maxAward === undefined ? ["note", "reason"] : ["award", "note", "reason"]), code: refusalOf(error).code }),
  });
  const paying = props.maxAward === undefined ? props.proposedAward : (yuanToFen(award ?? "") ?? 0);
  return (
    <Modal
      open
      title={t(TITLES[props.decision])}
      okText={t(props.decision === "approve" ? "approve" : props.decision === "reject" ? "reject" : "requestChanges")}
      okButtonProps={{ danger: props.decision === "reject" }}
      confirmLoading={decide.isPending}
      onOk={() => form.submit()}
      onCancel={props.onClose}
    >
      <RefusalAlert {...refusal} />
      {props.decision === "approve" ? <Typography.Paragraph>{t("approveText", { award: formatYuan(paying) })}</Typography.Paragraph> : null}
      <Form<DecisionForm>
        form={form}
        layout="vertical"
        initialValues={props.maxAward === undefined ? {} : { award: fenToYuanInput(props.proposedAward) }}
        onFinish={(values) => decide.mutate(values)}
      >
        {props.decision === "approve" && props.maxAward !== undefined ? (
          <Form.Item
            label={`${t("awardYuan")} ≤ ${formatYuan(props.maxAward)}`}
            name="award"
            rules={[
              { required: true, message: t("required") },
              yuanRule(t("positiveYuanInvalid"), { positive: true }),
              { validator: (_rule, value: string) => ((yuanToFen(value) ?? 0) <= props.maxAward! ? Promise.resolve() : Promise.reject(new Error(`≤ ${formatYuan(props.maxAward!)}`))) },
            ]}
          >
            <Input inputMode="decimal" prefix="¥" />
          </Form.Item>
        ) : null}
        {props.decision === "approve" ? (
          <Form.Item label={t("note")} name="note">
            <Input.TextArea rows={2} maxLength={1000} />
          </Form.Item>
        ) : (
          <Form.Item label={t("reason")} name="reason" rules={[{ required: true, whitespace: true, message: t("required") }]}>
            <Input.TextArea rows={3} maxLength={1000} />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}

/** Retrying a FAILED payout, behind a confirmation; a refusal is shown above the button. */
function RetryPayout(props: { retry: () => Promise<unknown>; onDone: () => void }) {
  const t = useMessages();
  const [refusal, setRefusal] = useState<FieldError[]>([]);
  const retry = useMutation({
    mutationFn: props.retry,
    onSuccess: () => {
      setRefusal([]);
      props.onDone();
    },
    onError: (error) => setRefusal([{ name: [], message: refusalOf(error).message }]),
  });
  return (
    <Space orientation="vertical">
      <RefusalAlert errors={refusal} />
      <Popconfirm title={t("retryConfirm")} onConfirm={() => retry.mutate()}>
        <Button type="primary" loading={retry.isPending}>
          {t("retryPayout")}
        </Button>
      </Popconfirm>
    </Space>
  );
}

/** /applications/:id */
export function ApplicationReview() {
  const t = useMessages();
  const { id = "" } = useParams();
  const queryClient = useQueryClient();
  const [decision, setDecision] = useState<Decision | undefined>();
  const programmes = useAdminProgrammes();
  const application = useQuery({
    queryKey: ["admin-application", id],
    queryFn: async () => dataOf(await api.GET("/admin/applications/{id}", { params: { path: { id } } })),
    // Follow an approved award to PAID or FAILED, for a bounded time.
    refetchInterval: (query) => (query.state.data?.status === "APPROVED" && query.state.dataUpdateCount < PAYOUT_POLL_LIMIT ? PAYOUT_POLL_MS : false),
  });
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ["admin-application", id] });
    void queryClient.invalidateQueries({ queryKey: ["admin-applications"] });
    void queryClient.invalidateQueries({ queryKey: ["admin-programmes"] });
  };
  if (application.isPending) return <Skeleton active />;
  if (application.isError) return <LoadFailed error={application.error} />;
  const a = application.data;
  const programme = programmes.data?.items.find((p) => p.id === a.programmeId);
  const timezone = programme?.timezone ?? "Asia/Shanghai";
  const path = { params: { path: { id } } };
  const submit = async (values: DecisionForm) => {
    if (decision === "approve") {
      const award = a.programmeKind === "event_subsidy" ? yuanToFen(values.award ?? "") : undefined;
      return dataOf(await api.POST("/admin/applications/{id}/approve", { ...path, body: { ...(award ? { award } : {}), ...(values.note ? { note: values.note } : {}) } }));
    }
    const body = { reason: values.reason ?? "" };
    return decision === "reject"
      ? dataOf(await api.POST("/admin/applications/{id}/reject", { ...path, body }))
      : dataOf(await api.POST("/admin/applications/{id}/request-changes", { ...path, body }));
  };
  return (
    <Space orientation="vertical" size="large" style={{ width: "100%" }}>
      <Link to={`/programmes/${encodeURIComponent(a.programmeId)}`}>{t("back")}</Link>
      <Typography.Title level={1} style={{ fontSize: 24, margin: 0 }}>
        {t("applicationTitle", { id: a.id })}
      </Typography.Title>
      <Card>
        <Descriptions size="small" column={{ xs: 1, md: 2 }}>
          <Descriptions.Item label={t("programme")}>{programme?.name ?? a.programmeId}</Descriptions.Item>
          <Descriptions.Item label={t("programmeKind")}>{t(kindKey(a.programmeKind))}</Descriptions.Item>
          <Descriptions.Item label={t("merchant")}>{a.merchantId}</Descriptions.Item>
          <Descriptions.Item label={t("status")}>
            <span data-testid="application-status">
              <StatusTag status={a.status} />
            </span>
          </Descriptions.Item>
          {a.month ? <Descriptions.Item label={t("month")}>{a.month}</Descriptions.Item> : null}
          {a.sales ? (
            <>
              <Descriptions.Item label={t("salesCurrent")}>{formatYuan(a.sales.current)}</Descriptions.Item>
              <Descriptions.Item label={t("salesLastYear")}>{formatYuan(a.sales.lastYear)}</Descriptions.Item>
              <Descriptions.Item label={t("salesPreviousMonth")}>{formatYuan(a.sales.previousMonth)}</Descriptions.Item>
            </>
          ) : null}
          {a.growthPercent !== undefined ? <Descriptions.Item label={t("growth")}>{percentText(a.growthPercent)}</Descriptions.Item> : null}
          <Descriptions.Item label={t("proposedAward")}>{formatYuan(a.proposedAward)}</Descriptions.Item>
          {a.award !== undefined ? <Descriptions.Item label={t("award")}>{formatYuan(a.award)}</Descriptions.Item> : null}
          <Descriptions.Item label={t("submittedAt")}>{formatInstant(a.submittedAt, timezone)}</Descriptions.Item>
          {a.reason ? <Descriptions.Item label={t("reason")}>{a.reason}</Descriptions.Item> : null}
          {a.note ? <Descriptions.Item label={t("note")}>{a.note}</Descriptions.Item> : null}
          {a.lastPayoutError ? <Descriptions.Item label={t("lastPayoutError")}>{a.lastPayoutError}</Descriptions.Item> : null}
          <Descriptions.Item label={t("summary")} span={2}>
            <Typography.Paragraph style={{ whiteSpace: "pre-wrap", margin: 0 }}>{a.summary}</Typography.Paragraph>
          </Descriptions.Item>
        </Descriptions>
      </Card>
      <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t("evidenceFiles")}</h2>}>
        <EvidenceInline downloads={a.attachmentDownloads} />
      </Card>
      <Space wrap>
        {a.status === "SUBMITTED" ? (
          <>
            <Button type="primary" onClick={() => setDecision("approve")}>
              {t("approve")}
            </Button>
            <Button onClick={() => setDecision("request-changes")}>{t("requestChanges")}</Button>
            <Button danger onClick={() => setDecision("reject")}>
              {t("reject")}
            </Button>
          </>
        ) : null}
        {a.status === "FAILED" ? (
          <RetryPayout retry={async () => dataOf(await api.POST("/admin/applications/{id}/retry-payout", { params: { path: { id } } }))} onDone={refresh} />
        ) : null}
      </Space>
      {decision ? (
        <DecisionDialog
          decision={decision}
          proposedAward={a.proposedAward}
          {...(a.programmeKind === "event_subsidy" ? { maxAward: programme?.maxAward ?? a.proposedAward } : {})}
          submit={submit}
          onClose={() => setDecision(undefined)}
          onDone={() => {
            setDecision(undefined);
            refresh();
          }}
        />
      ) : null}
    </Space>
  );
}

/** /trade-ins/:id: the record whole (an audited read), its evidence, approve or reject. */
export function TradeInReview() {
  const t = useMessages();
  const { id = "" } = useParams();
  const queryClient = useQueryClient();
  const [decision, setDecision] = useState<"approve" | "reject" | undefined>();
  const record = useQuery({
    queryKey: ["admin-trade-in", id],
    queryFn: async () => dataOf(await api.GET("/admin/trade-ins/{id}", { params: { path: { id } } })),
    refetchInterval: (query) => (query.state.data?.status === "APPROVED" && query.state.dataUpdateCount < PAYOUT_POLL_LIMIT ? PAYOUT_POLL_MS : false),
  });
  if (record.isPending) return <Skeleton active />;
  if (record.isError) return <LoadFailed error={record.error} />;
  const r = record.data;
  const path = { params: { path: { id } } };
  return (
    <Space orientation="vertical" size="large" style={{ width: "100%" }}>
      <Link to={`/programmes/${encodeURIComponent(r.programmeId)}`}>{t("back")}</Link>
      <Typography.Title level={1} style={{ fontSize: 24, margin: 0 }}>
        {t("tradeInDetail", { id: r.id })}
      </Typography.Title>
      <Alert type="warning" showIcon title={t("unmaskedAudited")} data-testid="audited-notice" />
      <Card>
        <Descriptions size="small" column={{ xs: 1, md: 2 }}>
          <Descriptions.Item label={t("merchant")}>{r.merchantId}</Descriptions.Item>
          <Descriptions.Item label={t("status")}>
            <StatusTag status={r.status} />
          </Descriptions.Item>
          <Descriptions.Item label={t("buyerName")}>{r.buyer.name}</Descriptions.Item>
          <Descriptions.Item label={t("buyerPhone")}>{r.buyer.phone}</Descriptions.Item>
          <Descriptions.Item label={t("invoiceNumber")}>{r.invoiceNumber}</Descriptions.Item>
          <Descriptions.Item label={t("newProduct")}>{`${r.newProduct.category} ${r.newProduct.model} ${formatYuan(r.newProduct.price)}`}</Descriptions.Item>
          <Descriptions.Item label={t("oldProduct")}>{`${r.oldProduct.category} ${r.oldProduct.description}`}</Descriptions.Item>
          <Descriptions.Item label={t("subsidy")}>{formatYuan(r.subsidy)}</Descriptions.Item>
          {r.rejectReason ? <Descriptions.Item label={t("reason")}>{r.rejectReason}</Descriptions.Item> : null}
        </Descriptions>
      </Card>
      <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t("evidenceFiles")}</h2>}>
        <EvidenceInline downloads={r.attachmentDownloads} />
      </Card>
      {r.status === "SUBMITTED" ? (
        <Space wrap>
          <Button type="primary" onClick={() => setDecision("approve")}>
            {t("approve")}
          </Button>
          <Button danger onClick={() => setDecision("reject")}>
            {t("reject")}
          </Button>
        </Space>
      ) : null}
      {r.status === "FAILED" ? (
        <RetryPayout
          retry={async () => dataOf(await api.POST("/admin/trade-ins/{id}/retry-payout", { params: { path: { id } } }))}
          onDone={() => void queryClient.invalidateQueries({ queryKey: ["admin-trade-in", id] })}
        />
      ) : null}
      {decision ? (
        <DecisionDialog
          decision={decision}
          proposedAward={r.subsidy}
          submit={async (values) =>
            decision === "approve"
              ? dataOf(await api.POST("/admin/trade-ins/{id}/approve", { ...path, body: values.note ? { note: values.note } : {} }))
              : dataOf(await api.POST("/admin/trade-ins/{id}/reject", { ...path, body: { reason: values.reason ?? "" } }))
          }
          onClose={() => setDecision(undefined)}
          onDone={() => {
            setDecision(undefined);
            void queryClient.invalidateQueries({ queryKey: ["admin-trade-in", id] });
            void queryClient.invalidateQueries({ queryKey: ["admin-trade-ins", r.programmeId] });
          }}
        />
      ) : null}
    </Space>
  );
}
