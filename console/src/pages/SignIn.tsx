/**
 * Local sign-in: the form goes to the runtime's /console/dev-login, which answers with a token in
 * the URL fragment (API.md, "Console"). The AWS sign-in (OIDC with PKCE) will be a separate module.
 */
import { Alert, Button, Card, Form, Input, Select, Typography } from "antd";
import { useMessages } from "../i18n";

type Role = "operator" | "merchant" | "resident";

interface SignInForm {
  sub: string;
  role: Role;
  merchant?: string;
}

/** The development sign-in's address for these answers. */
export function devLoginUrl(form: SignInForm): string {
  const query = new URLSearchParams({ sub: form.sub, role: form.role });
  if (form.role === "merchant" && form.merchant) query.set("merchant", form.merchant);
  return `${import.meta.env.BASE_URL}dev-login?${query.toString()}`;
}

export function SignIn() {
  const t = useMessages();
  const [form] = Form.useForm<SignInForm>();
  const role = Form.useWatch("role", form);
  return (
    <main style={{ display: "flex", justifyContent: "center", padding: "10vh 16px" }}>
      <Card style={{ width: 420 }}>
        <Typography.Title level={1} style={{ fontSize: 22 }}>
          {t("appTitle")}
        </Typography.Title>
        <Typography.Title level={2} style={{ fontSize: 18 }}>
          {t("signInTitle")}
        </Typography.Title>
        <Alert type="info" showIcon={false} title={t("signInLocal")} style={{ marginBottom: 16 }} />
        <Form<SignInForm>
          form={form}
          layout="vertical"
          initialValues={{ sub: "operator-1", role: "operator" }}
          onFinish={(values) => window.location.assign(devLoginUrl(values))}
        >
          <Form.Item label={t("subject")} name="sub" rules={[{ required: true, pattern: /^[A-Za-z0-9_-]{1,64}$/ }]}>
            <Input autoComplete="username" />
          </Form.Item>
          <Form.Item label={t("role")} name="role" rules={[{ required: true }]}>
            <Select
              options={[
                { value: "operator", label: t("roleOperator") },
                { value: "merchant", label: t("roleMerchant") },
                { value: "resident", label: t("roleResident") },
              ]}
            />
          </Form.Item>
          {role === "merchant" ? (
            <Form.Item label={t("merchant")} name="merchant" rules={[{ required: true, pattern: /^[A-Za-z0-9_-]{1,64}$/ }]}>
              <Input />
            </Form.Item>
          ) : null}
          <Button type="primary" htmlType="submit" block>
            {t("signIn")}
          </Button>
        </Form>
      </Card>
    </main>
  );
}
