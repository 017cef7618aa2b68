/**
 * The signed-in layout: the menu of the screens (only built ones enabled), the language
 * switch and the signed-in person.
 */
import { Button, Layout, Menu, Segmented, Space, Typography } from "antd";
import type { ReactNode } from "react";
import { useContext } from "react";
import { useLocation, useNavigate } from "react-router";
import { signOut, type Session } from "./auth/session";
import { type Language, LanguageContext, type MessageKey, useMessages } from "./i18n";
import { isMerchantOnly } from "./roles";

/** The screens of issue 15, in its order; `path` only for those that exist. */
const SCREENS: { key: MessageKey; path?: string }[] = [
  { key: "menuOverview", path: "/" },
  { key: "menuCampaigns", path: "/campaigns" },
  { key: "menuDropDay", path: "/drop-day" },
  { key: "menuMerchants", path: "/merchants" },
  { key: "menuPartners", path: "/partners" },
  { key: "menuFraud", path: "/fraud" },
  { key: "menuSettlement", path: "/settlement" },
  { key: "menuReports", path: "/reports" },
  { key: "menuAudit", path: "/audit" },
  { key: "menuProgrammes", path: "/programmes" },
];

/** A merchant's console: its portal only. */
const MERCHANT_SCREENS: { key: MessageKey; path?: string }[] = [{ key: "menuPortal", path: "/" }];

export function Shell(props: { session: Session; children: ReactNode }) {
  const t = useMessages();
  const { language, setLanguage } = useContext(LanguageContext);
  const navigate = useNavigate();
  const location = useLocation();
  return (
    <Layout style={{ minHeight: "100vh" }}>
      <Layout.Sider breakpoint="lg" collapsedWidth={0} width={200} theme="light">
        <div style={{ padding: 16, fontWeight: 600 }}>{t("appTitle")}</div>
        <nav aria-label={t("appTitle")}>
          <Menu
            mode="inline"
            selectedKeys={[location.pathname]}
            items={(isMerchantOnly(props.session.groups) ? MERCHANT_SCREENS : SCREENS).map((screen) => ({
              key: screen.path ?? screen.key,
              label: screen.path ? t(screen.key) : `${t(screen.key)} (${t("comingLater")})`,
              disabled: screen.path === undefined,
            }))}
            onClick={({ key }) => void navigate(key)}
          />
        </nav>
      </Layout.Sider>
      <Layout>
        <Layout.Header style={{ background: "#fff", display: "flex", justifyContent: "flex-end", alignItems: "center", paddingInline: 16 }}>
          <Space size="middle">
            <Segmented<Language>
              aria-label={t("language")}
              value={language}
              onChange={setLanguage}
              options={[
                { value: "zh-CN", label: "中文" },
                { value: "en", label: "English" },
              ]}
            />
            <Typography.Text data-testid="signed-in-as">{props.session.sub}</Typography.Text>
            <Button onClick={signOut}>{t("signOut")}</Button>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ padding: 24 }}>
          <main>{props.children}</main>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
