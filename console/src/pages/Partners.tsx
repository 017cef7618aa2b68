/**
 * Partners (issue item 5): the registered partners with their live secrets' dates, registering one,
 * and rotating a secret with its grace period. A new secret is shown once, with a copy button and
 * a warning; it is kept only in this component's state and dropped when the dialog closes.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Card, Form, Input, InputNumber, Modal, Space, Table, Typography } from "antd";
import { useState } from "react";
import { api, dataOf } from "../api/client";
import type { components } from "../api/openapi";
import { ApiErrorAlert, allPages, showFieldErrors, OperationsScreen } from "../components/operations";
import { formatInstant, localZone } from "../format";
import { useMessages } from "../i18n";

type Partner = components["schemas"]["Partner"];
type Registration = components["schemas"]["PartnerRegistration"];

/** A secret to show once: whose, and the secret itself. */
interface ShownSecret {
  partnerId: string;
  secret: string;
}

function SecretOnce(props: { shown: ShownSecret | undefined; onClose: () => void }) {
  const t = useMessages();
  const [copied, setCopied] = useState(false);
  // The clipboard may refuse (no permission, the window not focused): say so, and select the
  // secret so it can be copied by hand, instead of leaving the button as if nothing happened.
  const [copyFailed, setCopyFailed] = useState(false);
  const close = () => {
    setCopied(false);
    setCopyFailed(false);
    props.onClose();
  };
  return (
    <Modal
      open={props.shown !== undefined}
      title={t("secretFor", { id: props.shown?.partnerId ?? "" })}
      onCancel={close}
      footer={<Button onClick={close}>{t("close")}</Button>}
      maskClosable={false}
      destroyOnHidden
    >
      <Alert type="warning" showIcon title={t("secretOnce")} description={t("secretWarning")} style={{ marginBottom: 16 }} />
      <Space.Compact style={{ width: "100%" }}>
        <Input readOnly value={props.shown?.secret} aria-label={t("secretFor", { id: props.shown?.partnerId ?? "" })} data-testid="signing-secret" />
        <Button
          type="primary"
          onClick={() => {
            navigator.clipboard.writeText(props.shown?.secret ?? "").then(
              () => {
                setCopyFailed(false);
                setCopied(true);
              },
              () => {
                setCopyFailed(true);
                document.querySelector<HTMLInputElement>('[data-testid="signing-secret"]')?.select();
              },
            );
          }}
        >
          {copied ? t("copied") : t("copy")}
        </Button>
      </Space.Compact>
      {copyFailed ? <Alert type="error" showIcon title={t("copyFailed")} style={{ marginTop: 16 }} role="alert" /> : null}
    </Modal>
  );
}

function RegisterPartner(props: { onSecret: (shown: ShownSecret) => void }) {
  const t = useMessages();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Registration>();
  const register = useMutation({
    mutationFn: async (body: Registration) => dataOf(await api.POST("/admin/partners", { body })),
    onSuccess: async (created) => {
      form.resetFields();
      props.onSecret({ partnerId: created.id, secret: created.signingSecret });
      await queryClient.invalidateQueries({ queryKey: ["partners"] });
    },
    onError: (error) => showFieldErrors(form, error, ["id", "name", "payoutUrl"]),
  });
  return (
    <Card title={t("registerPartner")}>
      <Form<Registration>
        form={form}
        layout="inline"
        onFinish={(values) => register.mutate({ id: values.id, name: values.name, ...(values.payoutUrl ? { payoutUrl: values.payoutUrl } : {}) })}
      >
        <Form.Item label={t("id")} name="id">
          <Input />
        </Form.Item>
        <Form.Item label={t("name")} name="name">
          <Input />
        </Form.Item>
        <Form.Item label={t("payoutUrl")} name="payoutUrl" tooltip={t("payoutUrlHint")}>
          <Input placeholder="https://" style={{ width: 280 }} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={register.isPending}>
          {t("register")}
        </Button>
      </Form>
      {register.isError ? <ApiErrorAlert error={register.error} title={t("registerPartner")} /> : null}
    </Card>
  );
}

function RotateDialog(props: { partner: Partner | undefined; onClose: () => void; onSecret: (shown: ShownSecret) => void }) {
  const t = useMessages();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ graceHours: number }>();
  const rotate = useMutation({
    mutationFn: async (graceHours: number) =>
      dataOf(
        await api.POST("/admin/partners/{id}/rotate-secret", {
          params: { path: { id: props.partner!.id } },
          body: { graceSeconds: Math.round(graceHours * 3600) },
        }),
      ),
    onSuccess: async (rotated) => {
      props.onClose();
      props.onSecret({ partnerId: rotated.id, secret: rotated.signingSecret });
      await queryClient.invalidateQueries({ queryKey: ["partners"] });
    },
  });
  return (
    <Modal
      open={props.partner !== undefined}
      title={t("rotateTitle", { id: props.partner?.id ?? "" })}
      okText={t("rotateSecret")}
      okButtonProps={{ loading: rotate.isPending }}
      onOk={() => form.submit()}
      onCancel={() => {
        rotate.reset();
        props.onClose();
      }}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" initialValues={{ graceHours: 24 }} onFinish={(values) => rotate.mutate(values.graceHours)}>
        <Form.Item label={t("graceHours")} name="graceHours" extra={t("graceHint")}>
          <InputNumber min={0} max={24} step={1} />
        </Form.Item>
      </Form>
      {rotate.isError ? <ApiErrorAlert error={rotate.error} title={t("rotateSecret")} /> : null}
    </Modal>
  );
}

export function Partners() {
  const t = useMessages();
  const zone = localZone();
  const [shown, setShown] = useState<ShownSecret | undefined>();
  const [rotating, setRotating] = useState<Partner | undefined>();
  const partners = useQuery({
    queryKey: ["partners"],
    queryFn: async () => {
      const all = await allPages(async (nextToken) => dataOf(await api.GET("/admin/partners", { params: { query: { limit: 100, ...(nextToken ? { nextToken } : {}) } } })));
      // The API answers in the table's order; an operator looks partners up by id.
      return all.sort((a, b) => a.id.localeCompare(b.id));
    },
  });
  return (
    <OperationsScreen title={t("partnersTitle")}>
      <RegisterPartner onSecret={setShown} />
      {partners.isError ? <ApiErrorAlert error={partners.error} /> : null}
      <Table<Partner>
        rowKey="id"
        size="middle"
        loading={partners.isPending}
        dataSource={partners.data ?? []}
        locale={{ emptyText: t("noPartners") }}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        columns={[
          { title: t("id"), dataIndex: "id" },
          { title: t("name"), dataIndex: "name" },
          { title: t("payoutUrl"), dataIndex: "payoutUrl" },
          {
            title: t("secrets"),
            key: "secrets",
            render: (_, partner) => (
              <Space orientation="vertical" size={0}>
                {partner.secrets.map((secret) => (
                  <Typography.Text key={secret.createdAt}>
                    {secret.retiresAt
                      ? t("secretRetires", { retires: formatInstant(secret.retiresAt, zone) })
                      : t("secretCurrent", { created: formatInstant(secret.createdAt, zone) })}
                  </Typography.Text>
                ))}
              </Space>
            ),
          },
          { title: t("createdBy"), dataIndex: "createdBy" },
          {
            title: t("actions"),
            key: "actions",
            render: (_, partner) => (
              <Button size="small" aria-label={`${t("rotateSecret")} ${partner.id}`} onClick={() => setRotating(partner)}>
                {t("rotateSecret")}
              </Button>
            ),
          },
        ]}
      />
      <RotateDialog partner={rotating} onClose={() => setRotating(undefined)} onSecret={setShown} />
      <SecretOnce shown={shown} onClose={() => setShown(undefined)} />
    </OperationsScreen>
  );
}
