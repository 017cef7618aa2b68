/** The console: language, query cache and routes; signed out, only the sign-in page. */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { Button, ConfigProvider, Result } from "antd";
import { useEffect, useMemo, useState, useSyncExternalStore } from "react";
import { BrowserRouter, Link, Route, Routes } from "react-router";
import { currentSession, subscribe } from "./auth/session";
import { antdLocales, type Language, LanguageContext, useMessages } from "./i18n";
import { ApplicationReview, TradeInReview } from "./pages/ReviewApplication";
import { Audit } from "./pages/Audit";
import { CampaignEditor } from "./pages/CampaignEditor";
import { Campaigns } from "./pages/Campaigns";
import { DropDay } from "./pages/DropDay";
import { Fraud } from "./pages/Fraud";
import { MerchantPortal } from "./pages/MerchantPortal";
import { Merchants } from "./pages/Merchants";
import { Overview } from "./pages/Overview";
import { Partners } from "./pages/Partners";
import { ProgrammeDetail, ProgrammeList } from "./pages/ProgrammeReview";
import { ProgrammesTheme } from "./components/programme-ui";
import { Reports } from "./pages/Reports";
import { Settlement } from "./pages/Settlement";
import { isMerchantOnly } from "./roles";
import { SignIn } from "./pages/SignIn";
import { Shell } from "./Shell";

/**
 * WCAG AA (4.5:1) for every text: Ant Design's default blue, under white text and as a link on
 * white, is 3.9:1 (blue-7 is 6:1); its secondary text (45 % black) is 3.4:1 on white (65 % black
 * is 6.9:1); its error red (a form field's error) is 3.9:1 (red-7 is 5.6:1); its placeholders and
 * disabled text (25 % black) are 1.6:1 (60 % black is 5.7:1; a published campaign's form is shown
 * disabled and must stay readable).
 */
const theme = {
  token: {
    colorPrimary: "#0958d9",
    colorLink: "#0958d9",
    colorTextSecondary: "rgba(0, 0, 0, 0.65)",
    colorTextDescription: "rgba(0, 0, 0, 0.65)",
    colorTextTertiary: "rgba(0, 0, 0, 0.65)",
    colorError: "#cf1322",
    colorTextPlaceholder: "rgba(0, 0, 0, 0.6)",
    colorTextDisabled: "rgba(0, 0, 0, 0.6)",
  },
};

const queryClient = new QueryClient({
  // One retry: an operator should see an error quickly rather than a spinner.
  defaultOptions: { queries: { retry: 1, refetchOnWindowFocus: false } },
});

function NotFound() {
  const t = useMessages();
  return (
    <Result
      status="404"
      title={t("notFound")}
      extra={
        <Link to="/">
          <Button type="primary">{t("backHome")}</Button>
        </Link>
      }
    />
  );
}

export function App() {
  const [language, setLanguage] = useState<Language>("zh-CN");
  const session = useSyncExternalStore(subscribe, currentSession);
  const languageContext = useMemo(() => ({ language, setLanguage }), [language]);
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
  useEffect(() => {
    // Signing out forgets every answer fetched with the old token.
    if (!session) queryClient.clear();
  }, [session]);
  return (
    <LanguageContext.Provider value={languageContext}>
      <ConfigProvider locale={antdLocales[language]} theme={theme} button={{ autoInsertSpace: false }}>
        <QueryClientProvider client={queryClient}>
          <BrowserRouter basename="/console">
            {session ? (
              <Shell session={session}>
                {isMerchantOnly(session.groups) ? (
                  <Routes>
                    <Route path="*" element={<ProgrammesTheme><MerchantPortal /></ProgrammesTheme>} />
                  </Routes>
                ) : (
                  <Routes>
                    <Route path="/" element={<Overview />} />
                    <Route path="/campaigns" element={<Campaigns />} />
                    <Route path="/campaigns/:id" element={<CampaignEditor />} />
                    <Route path="/drop-day" element={<DropDay />} />
                    <Route path="/drop-day/:id" element={<DropDay />} />
                    <Route path="/merchants" element={<Merchants />} />
                    <Route path="/partners" element={<Partners />} />
                    <Route path="/fraud" element={<Fraud />} />
                    <Route path="/settlement" element={<Settlement />} />
                    <Route path="/reports" element={<Reports />} />
                    <Route path="/audit" element={<Audit />} />
                    <Route path="/programmes" element={<ProgrammesTheme><ProgrammeList /></ProgrammesTheme>} />
                    <Route path="/programmes/:id" element={<ProgrammesTheme><ProgrammeDetail /></ProgrammesTheme>} />
                    <Route path="/applications/:id" element={<ProgrammesTheme><ApplicationReview /></ProgrammesTheme>} />
                    <Route path="/trade-ins/:id" element={<ProgrammesTheme><TradeInReview /></ProgrammesTheme>} />
                    <Route path="*" element={<NotFound />} />
                  </Routes>
                )}
              </Shell>
            ) : (
              <SignIn />
            )}
          </BrowserRouter>
        </QueryClientProvider>
      </ConfigProvider>
    </LanguageContext.Provider>
  );
}
