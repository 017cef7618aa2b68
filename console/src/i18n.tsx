/**
 * The console's two languages: zh-CN (the default, for a bureau's staff) and en. Ant Design's own
 * components follow through ConfigProvider's locale; the console's words come from {@link messages}.
 */
import { fillMessage } from "./format";
import { type Language, type MessageKey, type Messages, messages } from "./messages";
import { createContext, useContext } from "react";
import type { ConfigProviderProps } from "antd";
import enUS from "antd/es/locale/en_US";
import zhCN from "antd/es/locale/zh_CN";

type Locale = NonNullable<ConfigProviderProps["locale"]>;



export { type Language, type MessageKey, type Messages, messages };
export const antdLocales: Record<Language, Locale> = { "zh-CN": zhCN, en: enUS };

export interface LanguageContextValue {
  language: Language;
  setLanguage: (language: Language) => void;
}

export const LanguageContext = createContext<LanguageContextValue>({ language: "zh-CN", setLanguage: () => undefined });

/** The current language's words: `const t = useMessages(); t("signIn")`, `t("perPayerDaily", { n: 1 })`. */
export function useMessages(): Messages {
  const { language } = useContext(LanguageContext);
  return (key, values) => fillMessage(messages[language][key], values);
}


