/**
 * What the operations screens share: the API's error shown as it said it (and at the field it
 * names), a campaign picker, and fetching every page of a paged list.
 */
import { useQuery } from "@tanstack/react-query";
import { Alert, ConfigProvider, Select, Space, Typography, type FormInstance } from "antd";
import type { ReactNode } from "react";
import { ApiError } from "../api/client";
import { useMessages } from "../i18n";
import { localZone } from "../format";
import { fetchCampaigns } from "../pages/Overview";

/** An error as the API worded it, with its code; `details` listed under it. */
export function ApiErrorAlert(props: { error: unknown; title?: string }) {
  const t = useMessages();
  const error = props.error;
  const message = error instanceof Error ? error.message : String(error);
  const details = error instanceof ApiError && Array.isArray(error.details) ? (error.details as { path?: string; message?: string }[]) : [];
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      title={props.title ?? t("loadFailed")}
      description={
        <>
          <div>
            {message}
            {error instanceof ApiError ? ` (${error.code})` : ""}
          </div>
          {details.map((detail, index) => (
            <div key={index}>{t("apiErrorAt", { field: detail.path ?? "", message: detail.message ?? "" })}</div>
          ))}
        </>
      }
    />
  );
}

/**
 * Puts a VALIDATION_FAILED answer's messages at the form fields they name (`details[].path` is the
 * body field); true when at least one landed on a field of `fields`.
 */
export function showFieldErrors<T extends object>(form: FormInstance<T>, error: unknown, fields: readonly string[]): boolean {
  if (!(error instanceof ApiError) || !Array.isArray(error.details)) return false;
  const found = (error.details as { path?: unknown; message?: unknown }[]).filter(
    (detail): detail is { path: string; message: string } => typeof detail.path === "string" && typeof detail.message === "string" && fields.includes(detail.path),
  );
  form.setFields(found.map((detail) => ({ name: detail.path as never, errors: [detail.message] })));
  return found.length > 0;
}

/** Every item of a paged list, following `nextToken`. */
export async function allPages<T>(page: (nextToken: string | undefined) => Promise<{ items: T[]; nextToken?: string | undefined }>): Promise<T[]> {
  const items: T[] = [];
  let nextToken: string | undefined;
  do {
    const answer = await page(nextToken);
    items.push(...answer.items);
    nextToken = answer.nextToken;
  } while (nextToken);
  return items;
}

/** The published or paused campaigns, by name, to choose one. */
export function CampaignPicker(props: { value?: string | undefined; onChange?: (id: string | undefined) => void; allowClear?: boolean; id?: string; label?: string }) {
  const t = useMessages();
  const campaigns = useQuery({ queryKey: ["campaigns"], queryFn: fetchCampaigns });
  return (
    <Select
      id={props.id}
      aria-label={props.label ?? t("chooseCampaign")}
      style={{ minWidth: 280 }}
      placeholder={t("chooseCampaign")}
      loading={campaigns.isPending}
      allowClear={props.allowClear}
      value={props.value}
      onChange={(value: string | undefined) => props.onChange?.(value)}
      options={(campaigns.data ?? []).map((campaign) => ({ value: campaign.id, label: `${campaign.name} (${campaign.id})` }))}
    />
  );
}

/**
 * The time zone of a campaign, to show its instants in (the issue: times in the campaign's zone,
 * named); the browser's zone until the campaigns are loaded, or for a campaign not listed.
 */
export function useCampaignZones(): (campaignId: string) => string {
  const campaigns = useQuery({ queryKey: ["campaigns"], queryFn: fetchCampaigns });
  const zones = new Map((campaigns.data ?? []).map((campaign) => [campaign.id, campaign.timezone]));
  return (campaignId) => zones.get(campaignId) ?? localZone();
}

/**
 * WCAG AA for what the operations screens show beyond the console's theme (App.tsx): Ant Design's
 * placeholder and empty-table text (25 % black, 1.9:1 on white) at 60 % black (5.7:1), and its
 * danger red (#ff4d4f, 3.9:1 under white text) at red-7 (5.9:1).
 */
const readable = { token: { colorTextPlaceholder: "rgba(0, 0, 0, 0.6)", colorTextDisabled: "rgba(0, 0, 0, 0.6)", colorError: "#cf1322" } };

/** An operations screen: its title (the page's one h1) and its parts, in the readable theme. */
export function OperationsScreen(props: { title: string; children: ReactNode }) {
  return (
    <ConfigProvider theme={readable}>
      <Space orientation="vertical" size="large" style={{ width: "100%" }}>
        <Typography.Title level={1} style={{ fontSize: 24, margin: 0 }}>
          {props.title}
        </Typography.Title>
        {props.children}
      </Space>
    </ConfigProvider>
  );
}

/**
 * Status colours with white text at WCAG AA (Ant Design's tags, preset or custom, put light text
 * on a light fill): each palette's 8th shade (gold's 9th: its 8th is 4.4:1).
 */
export const STATUS_COLOURS = { ok: "#237804", warn: "#874d00", bad: "#a8071a", busy: "#003eb3", idle: "#434343" } as const;

/** A status as a small label: white text on one of {@link STATUS_COLOURS}. */
export function StatusTag(props: { colour: string; children: ReactNode; testId?: string }) {
  return (
    <span
      data-testid={props.testId}
      style={{ color: "#fff", background: props.colour, borderRadius: 4, padding: "0 7px", fontSize: 12, lineHeight: "20px", display: "inline-block", whiteSpace: "nowrap" }}
    >
      {props.children}
    </span>
  );
}
