/**
 * Fraud review (issue item 6): the flags with their evidence (the measures the rule judged, the
 * transactions, payers and merchants) and the rule that fired; dismiss, confirm (the consequences
 * spelled out first: suspension, held and forfeited statements, clawback) and enforce again.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Badge, Button, Card, Checkbox, Descriptions, Empty, Form, Input, Modal, Segmented, Space, Typography } from "antd";
import { useState } from "react";
import { api, dataOf } from "../api/client";
import type { components } from "../api/openapi";
import { ApiErrorAlert, CampaignPicker, allPages, showFieldErrors, useCampaignZones, OperationsScreen, STATUS_COLOURS, StatusTag } from "../components/operations";
import { formatInstant } from "../format";
import { useMessages } from "../i18n";

type Flag = components["schemas"]["FraudFlag"];
type FlagStatus = Flag["status"];
type Decision = { kind: "dismiss" | "confirm"; flag: Flag };

const SEVERITY_COLOURS: Record<Flag["severity"], string> = { high: STATUS_COLOURS.bad, medium: STATUS_COLOURS.warn, low: STATUS_COLOURS.busy };

/** A measure of the evidence as text: numbers and words as they are, lists joined, objects as JSON. */
function measureText(value: unknown): string {
  if (Array.isArray(value)) return value.map(measureText).join(", ");
  if (typeof value === "object" && value !== null) return JSON.stringify(value);
  return String(value);
}

function DecisionDialog(props: { decision: Decision | undefined; onClose: () => void }) {
  const t = useMessages();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ reason: string; forfeit: boolean }>();
  const forfeit = Form.useWatch("forfeit", form);
  const decision = props.decision;
  const decide = useMutation({
    mutationFn: async (values: { reason: string; forfeit: boolean }) => {
      const path = { params: { path: { id: decision!.flag.id } } };
      return decision!.kind === "dismiss"
        ? dataOf(await api.POST("/admin/fraud/flags/{id}/dismiss", { ...path, body: { reason: values.reason } }))
        : dataOf(await api.POST("/admin/fraud/flags/{id}/confirm", { ...path, body: { reason: values.reason, forfeit: values.forfeit } }));
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["fraud-flags"] });
      form.resetFields();
      props.onClose();
    },
    onError: (error) => showFieldErrors(form, error, ["reason"]),
  });
  const confirming = decision?.kind === "confirm";
  return (
    <Modal
      open={decision !== undefined}
      title={t(confirming ? "confirmTitle" : "dismissTitle", { id: decision?.flag.id ?? "" })}
      okText={t(confirming ? "confirmViolation" : "dismiss")}
      okButtonProps={{ danger: confirming, loading: decide.isPending }}
      onOk={() => form.submit()}
      onCancel={() => {
        decide.reset();
        props.onClose();
      }}
      destroyOnHidden
    >
      {confirming ? (
        <Alert
          type="warning"
          showIcon
          title={t("confirmConsequences")}
          description={
            <ul style={{ margin: 0, paddingInlineStart: 20 }} data-testid="consequences">
              <li>{t("consequenceSuspend", { merchant: decision.flag.merchantId })}</li>
              <li>{t("consequenceHeld")}</li>
              <li style={{ fontWeight: forfeit ? 600 : undefined }}>{t("consequenceForfeit")}</li>
              <li>{t("consequenceClawback")}</li>
            </ul>
          }
          style={{ marginBottom: 16 }}
        />
      ) : (
        <Typography.Paragraph>{t("dismissConsequence")}</Typography.Paragraph>
      )}
      <Form form={form} layout="vertical" initialValues={{ forfeit: false }} onFinish={(values) => decide.mutate(values)}>
        <Form.Item label={t("reason")} name="reason">
          <Input.TextArea rows={3} />
        </Form.Item>
        {confirming ? (
          <Form.Item name="forfeit" valuePropName="checked">
            <Checkbox>{t("forfeit")}</Checkbox>
          </Form.Item>
        ) : null}
      </Form>
      {decide.isError ? <ApiErrorAlert error={decide.error} title={t(confirming ? "confirmViolation" : "dismiss")} /> : null}
    </Modal>
  );
}

function Enforcement(props: { flag: Flag }) {
  const t = useMessages();
  const enforcement = props.flag.enforcement;
  if (!enforcement) return null;
  const refs = (list: { partnerId: string; transactionId: string }[]) => list.map((ref) => `${ref.partnerId}/${ref.transactionId}`).join(", ") || "—";
  return (
    <Descriptions size="small" column={1} bordered title={t("enforcement")}>
      <Descriptions.Item label={t("forfeited")}>{enforcement.forfeited.join(", ") || "—"}</Descriptions.Item>
      <Descriptions.Item label={t("clawedBack")}>{refs(enforcement.clawedBack)}</Descriptions.Item>
      <Descriptions.Item label={t("withheld")}>{refs(enforcement.withheld)}</Descriptions.Item>
      <Descriptions.Item label={t("pendingPayout")}>{refs(enforcement.pending)}</Descriptions.Item>
      <Descriptions.Item label={t("notApplicable")}>{refs(enforcement.notApplicable)}</Descriptions.Item>
    </Descriptions>
  );
}

function FlagCard(props: { flag: Flag; zone: string; onDecide: (decision: Decision) => void }) {
  const t = useMessages();
  const queryClient = useQueryClient();
  const { flag, zone } = props;
  const enforce = useMutation({
    mutationFn: async () => dataOf(await api.POST("/admin/fraud/flags/{id}/enforce", { params: { path: { id: flag.id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["fraud-flags"] }),
  });
  const { transactions, ...measures } = flag.evidence;
  return (
    <Card
      data-testid={`flag-${flag.id}`}
      title={
        <Space wrap>
          <span>{flag.rule}</span>
          <StatusTag colour={SEVERITY_COLOURS[flag.severity]}>{flag.severity}</StatusTag>
          <Badge status={flag.status === "OPEN" ? "processing" : flag.status === "CONFIRMED" ? "error" : "default"} text={t(`flag${flag.status}`)} />
        </Space>
      }
      extra={<Typography.Text type="secondary">{flag.id}</Typography.Text>}
    >
      <Descriptions size="small" column={{ xs: 1, md: 2 }}>
        <Descriptions.Item label={t("rule")}>{flag.rule}</Descriptions.Item>
        <Descriptions.Item label={t("campaign")}>{flag.campaignId}</Descriptions.Item>
        <Descriptions.Item label={t("merchantAccused")}>{flag.merchantId}</Descriptions.Item>
        {flag.payerId ? <Descriptions.Item label={t("payer")}>{flag.payerId}</Descriptions.Item> : null}
        <Descriptions.Item label={t("flagWindow")}>{formatInstant(flag.window, zone)}</Descriptions.Item>
        <Descriptions.Item label={t("lastHit")}>{formatInstant(flag.lastHitAt, zone)}</Descriptions.Item>
      </Descriptions>
      <Typography.Title level={3} style={{ fontSize: 15 }}>
        {t("evidence")}
      </Typography.Title>
      <Descriptions size="small" bordered column={{ xs: 1, md: 3 }} title={t("measures")}>
        {Object.entries(measures).map(([name, value]) => (
          <Descriptions.Item key={name} label={name}>
            {measureText(value)}
          </Descriptions.Item>
        ))}
      </Descriptions>
      <Typography.Paragraph style={{ marginTop: 12 }}>
        <Typography.Text strong>{t("transactions")}</Typography.Text> ({t("transactionCount", { n: transactions.length })}):{" "}
        {transactions.map((ref) => `${ref.partnerId}/${ref.transactionId}`).join(", ")}
      </Typography.Paragraph>
      {flag.autoSuspendedAt ? <Alert type="info" title={t("autoSuspended", { at: formatInstant(flag.autoSuspendedAt, zone) })} style={{ marginBottom: 12 }} /> : null}
      {flag.decidedAt ? (
        <Typography.Paragraph>
          {t("decidedBy", { who: flag.decidedBy ?? "", at: formatInstant(flag.decidedAt, zone), reason: flag.reason ?? "" })}
        </Typography.Paragraph>
      ) : null}
      <Enforcement flag={flag} />
      {enforce.isError ? <ApiErrorAlert error={enforce.error} title={t("enforce")} /> : null}
      <Space style={{ marginTop: 12 }}>
        {flag.status === "OPEN" ? (
          <>
            <Button onClick={() => props.onDecide({ kind: "dismiss", flag })}>{t("dismiss")}</Button>
            <Button danger type="primary" onClick={() => props.onDecide({ kind: "confirm", flag })}>
              {t("confirmViolation")}
            </Button>
          </>
        ) : null}
        {flag.status === "CONFIRMED" ? (
          <Button onClick={() => enforce.mutate()} loading={enforce.isPending} title={t("enforceHint")}>
            {t("enforce")}
          </Button>
        ) : null}
      </Space>
    </Card>
  );
}

export function Fraud() {
  const t = useMessages();
  const zoneOf = useCampaignZones();
  const [status, setStatus] = useState<FlagStatus>("OPEN");
  const [campaignId, setCampaignId] = useState<string | undefined>();
  const [decision, setDecision] = useState<Decision | undefined>();
  const flags = useQuery({
    queryKey: ["fraud-flags", status, campaignId ?? "all"],
    queryFn: () =>
      allPages(async (nextToken) =>
        dataOf(
          await api.GET("/admin/fraud/flags", {
            params: { query: { status, limit: 100, ...(campaignId ? { campaignId } : {}), ...(nextToken ? { nextToken } : {}) } },
          }),
        ),
      ),
    refetchInterval: 15_000,
  });
  return (
    <OperationsScreen title={t("fraudTitle")}>
      <Space wrap>
        <Segmented<FlagStatus>
          aria-label={t("status")}
          value={status}
          onChange={setStatus}
          options={(["OPEN", "CONFIRMED", "DISMISSED"] as const).map((value) => ({ value, label: t(`flag${value}`) }))}
        />
        <CampaignPicker value={campaignId} onChange={setCampaignId} allowClear />
      </Space>
      {flags.isError ? <ApiErrorAlert error={flags.error} /> : null}
      {flags.isPending ? <Card loading /> : null}
      {flags.data?.length === 0 ? <Empty description={t("noFlags")} /> : null}
      {flags.data?.map((flag) => (
        <FlagCard key={flag.id} flag={flag} zone={zoneOf(flag.campaignId)} onDecide={setDecision} />
      ))}
      <DecisionDialog decision={decision} onClose={() => setDecision(undefined)} />
    </OperationsScreen>
  );
}
