/**
 * The sign-in page. Locally, a form that goes to the runtime's /console/dev-login, which answers
 * with a token in the URL fragment (API.md, "Console"). On AWS (a `/console/config.json` names the
 * identity provider), one button to the provider's sign-in: OIDC authorization code with PKCE
 * (auth/oidc.ts); main.tsx completes the redirect back.
 */
import { Alert, Button, Card, Form, Input, Select, Skeleton, Typography } from "antd";
import { useEffect, useState } from "react";
import { browserStateStorage, signInFailure } from "../auth/complete-sign-in";
import { type SignInMode, loadSignInMode } from "../auth/console-config";
import { type OidcSettings, oidcClient, signInUrl } from "../auth/oidc";
import { fillMessage } from "../format";
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

function DevSignIn() {
  const t = useMessages();
  const [form] = Form.useForm<SignInForm>();
  const role = Form.useWatch("role", form);
  return (
    <>
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
    </>
  );
}

/** The identity provider's sign-in: the browser goes there and comes back with a code. */
function ProviderSignIn({ settings }: { settings: OidcSettings }) {
  const t = useMessages();
  const [failed, setFailed] = useState<string | undefined>();
  const [going, setGoing] = useState(false);
  const go = async () => {
    setGoing(true);
    try {
      window.location.assign(await signInUrl(oidcClient(settings, browserStateStorage())));
    } catch (error) {
      setFailed(error instanceof Error ? error.message : String(error));
      setGoing(false);
    }
  };
  return (
    <>
      <Alert type="info" showIcon={false} title={t("signInProvider")} style={{ marginBottom: 16 }} />
      {failed ? <Alert type="error" showIcon title={fillMessage(t("signInFailed"), { reason: failed })} style={{ marginBottom: 16 }} /> : null}
      <Button type="primary" block loading={going} onClick={() => void go()}>
        {t("signInWithProvider")}
      </Button>
    </>
  );
}

export function SignIn() {
  const t = useMessages();
  // Not through the query cache: the app clears that whenever nobody is signed in.
  const [mode, setMode] = useState<{ data?: SignInMode; error?: string }>({});
  useEffect(() => {
    let current = true;
    loadSignInMode(import.meta.env.BASE_URL, window.location.origin).then(
      (data) => current && setMode({ data }),
      (error: unknown) => current && setMode({ error: error instanceof Error ? error.message : String(error) }),
    );
    return () => {
      current = false;
    };
  }, []);
  const failure = signInFailure();
  return (
    <main style={{ display: "flex", justifyContent: "center", padding: "10vh 16px" }}>
      <Card style={{ width: 420 }}>
        <Typography.Title level={1} style={{ fontSize: 22 }}>
          {t("appTitle")}
        </Typography.Title>
        <Typography.Title level={2} style={{ fontSize: 18 }}>
          {t("signInTitle")}
        </Typography.Title>
        {failure ? <Alert type="error" showIcon title={fillMessage(t("signInFailed"), { reason: failure })} style={{ marginBottom: 16 }} /> : null}
        {mode.error !== undefined ? (
          <Alert type="error" showIcon title={t("signInConfigError")} description={mode.error} />
        ) : mode.data === undefined ? (
          <Skeleton active />
        ) : mode.data.kind === "oidc" ? (
          <ProviderSignIn settings={mode.data.settings} />
        ) : (
          <DevSignIn />
        )}
      </Card>
    </main>
  );
}
