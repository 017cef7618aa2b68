/**
 * The campaign list (issue item 2): every campaign, drafts included (GET /admin/campaigns), with a
 * status filter, links to the editor and to the drop-day view, and a button for a new one.
 */
import { useQuery } from "@tanstack/react-query";
import { Alert, Badge, Button, Segmented, Space, Table, Typography } from "antd";
import { useState } from "react";
import { Link } from "react-router";
import { api, dataOf } from "../api/client";
import type { components } from "../api/openapi";
import { formatInstant, formatYuan } from "../format";
import { type MessageKey, useMessages } from "../i18n";

type Campaign = components["schemas"]["Campaign"];
export type CampaignStatus = Campaign["status"];

/** Every campaign of a status (or all), every page, latest start first. */
export async function fetchAllCampaigns(status?: CampaignStatus): Promise<Campaign[]> {
  const campaigns: Campaign[] = [];
  let nextToken: string | undefined;
  do {
    const query = { limit: 100, ...(status ? { status } : {}), ...(nextToken ? { nextToken } : {}) };
    const page = dataOf(await api.GET("/admin/campaigns", { params: { query } }));
    campaigns.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  return campaigns.sort((a, b) => Date.parse(b.startsAt) - Date.parse(a.startsAt) || a.id.localeCompare(b.id));
}

const BADGE: Record<CampaignStatus, "default" | "success" | "warning"> = { DRAFT: "default", PUBLISHED: "success", PAUSED: "warning" };

export function StatusBadge(props: { status: CampaignStatus }) {
  const t = useMessages();
  return <Badge status={BADGE[props.status]} text={t(`status${props.status}` as MessageKey)} />;
}

export function Campaigns() {
  const t = useMessages();
  const [status, setStatus] = useState<CampaignStatus | "ALL">("ALL");
  const campaigns = useQuery({
    queryKey: ["admin-campaigns", status],
    queryFn: () => fetchAllCampaigns(status === "ALL" ? undefined : status),
  });
  return (
    <Space orientation="vertical" size="large" style={{ width: "100%" }}>
      <Space style={{ justifyContent: "space-between", width: "100%" }}>
        <Typography.Title level={1} style={{ fontSize: 24, margin: 0 }}>
          {t("campaignsTitle")}
        </Typography.Title>
        <Link to="/campaigns/new">
          <Button type="primary">{t("newCampaign")}</Button>
        </Link>
      </Space>
      <Segmented<CampaignStatus | "ALL">
        aria-label={t("statusFilter")}
        value={status}
        onChange={setStatus}
        options={[
          { value: "ALL", label: t("allStatuses") },
          { value: "DRAFT", label: t("statusDRAFT") },
          { value: "PUBLISHED", label: t("statusPUBLISHED") },
          { value: "PAUSED", label: t("statusPAUSED") },
        ]}
      />
      {campaigns.isError ? <Alert type="error" showIcon title={t("loadFailed")} description={campaigns.error.message} /> : null}
      <Table<Campaign>
        rowKey="id"
        loading={campaigns.isPending}
        dataSource={campaigns.data ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        locale={{ emptyText: t("noCampaignsAtAll") }}
        columns={[
          { title: t("campaignName"), dataIndex: "name", render: (name: string, campaign) => <Link to={`/campaigns/${campaign.id}`}>{name}</Link> },
          { title: t("campaignId"), dataIndex: "id" },
          { title: t("status"), dataIndex: "status", render: (value: CampaignStatus) => <StatusBadge status={value} /> },
          { title: t("budget"), dataIndex: "budget", align: "right", render: (fen: number) => formatYuan(fen) },
          { title: t("window"), key: "window", render: (_, c) => `${formatInstant(c.startsAt, c.timezone)} → ${formatInstant(c.endsAt, c.timezone)}` },
          {
            title: t("actions"),
            key: "actions",
            render: (_, campaign) => (
              <Space>
                <Link to={`/campaigns/${campaign.id}`}>{campaign.status === "DRAFT" ? t("edit") : t("open")}</Link>
                {campaign.status === "DRAFT" ? null : <Link to={`/drop-day/${campaign.id}`}>{t("dropDay")}</Link>}
              </Space>
            ),
          },
        ]}
      />
    </Space>
  );
}
