/**
 * The console's two languages: zh-CN (the default, for a bureau's staff) and en. Ant Design's own
 * components follow through ConfigProvider's locale; the console's words come from {@link messages}.
 */
import { createContext, useContext } from "react";
import type { ConfigProviderProps } from "antd";
import enUS from "antd/es/locale/en_US";
import zhCN from "antd/es/locale/zh_CN";

type Locale = NonNullable<ConfigProviderProps["locale"]>;

export type Language = "zh-CN" | "en";

const zh = {
  appTitle: "消费券运营控制台",
  signInTitle: "登录",
  signInLocal: "本地开发登录：令牌由本机运行时签发，只保存在内存中。",
  subject: "用户标识",
  role: "角色",
  roleOperator: "运营人员",
  roleMerchant: "商户",
  roleResident: "居民",
  merchant: "商户编号",
  signIn: "登录",
  signOut: "退出",
  language: "语言",
  menuOverview: "总览",
  menuCampaigns: "活动编辑",
  menuDropDay: "抢券直播",
  menuMerchants: "商户",
  menuPartners: "合作方",
  menuFraud: "风控审核",
  menuSettlement: "结算",
  menuReports: "报表",
  menuAudit: "审计",
  comingLater: "尚未提供",
  overviewTitle: "总览",
  campaigns: "活动",
  noCampaigns: "暂无已发布的活动",
  budget: "预算",
  committed: "已承诺",
  spent: "已核销补贴",
  remaining: "剩余",
  todayClaims: "今日领取",
  todayRedemptions: "今日核销",
  alerts: "告警",
  openFraudFlags: "待审风控标记",
  dlqDepth: "死信队列积压",
  healthStatus: "平台状态",
  healthOk: "正常",
  healthDegraded: "降级",
  loading: "加载中…",
  loadFailed: "加载失败",
  status: "状态",
  window: "活动时间",
  notFound: "页面不存在",
  backHome: "返回总览",
};

export type MessageKey = keyof typeof zh;

const en: Record<MessageKey, string> = {
  appTitle: "Voucher operations console",
  signInTitle: "Sign in",
  signInLocal: "Local development sign-in: this machine's runtime signs the token; it is kept in memory only.",
  subject: "User id",
  role: "Role",
  roleOperator: "Operator",
  roleMerchant: "Merchant",
  roleResident: "Resident",
  merchant: "Merchant id",
  signIn: "Sign in",
  signOut: "Sign out",
  language: "Language",
  menuOverview: "Overview",
  menuCampaigns: "Campaign editor",
  menuDropDay: "Drop day (live)",
  menuMerchants: "Merchants",
  menuPartners: "Partners",
  menuFraud: "Fraud review",
  menuSettlement: "Settlement",
  menuReports: "Reports",
  menuAudit: "Audit",
  comingLater: "not available yet",
  overviewTitle: "Overview",
  campaigns: "Campaigns",
  noCampaigns: "No published campaign yet",
  budget: "Budget",
  committed: "Committed",
  spent: "Spent",
  remaining: "Remaining",
  todayClaims: "Claims today",
  todayRedemptions: "Redemptions today",
  alerts: "Alerts",
  openFraudFlags: "Open fraud flags",
  dlqDepth: "Dead-letter queue depth",
  healthStatus: "Platform status",
  healthOk: "ok",
  healthDegraded: "degraded",
  loading: "Loading…",
  loadFailed: "Could not load",
  status: "Status",
  window: "Runs",
  notFound: "No such page",
  backHome: "Back to the overview",
};

export const messages: Record<Language, Record<MessageKey, string>> = { "zh-CN": zh, en };
export const antdLocales: Record<Language, Locale> = { "zh-CN": zhCN, en: enUS };

export interface LanguageContextValue {
  language: Language;
  setLanguage: (language: Language) => void;
}

export const LanguageContext = createContext<LanguageContextValue>({ language: "zh-CN", setLanguage: () => undefined });

/** The current language's words: `const t = useMessages(); t("signIn")`. */
export function useMessages(): (key: MessageKey) => string {
  const { language } = useContext(LanguageContext);
  return (key) => messages[language][key];
}
