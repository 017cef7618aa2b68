/**
 * Audit (issue item 9): the trail of one entity (a partner, merchant, campaign, statement or fraud
 * flag), oldest first: who changed what, when and why, with the entity before and after. The
 * entity is in the address (`?entity=MERCHANT%23m1`), so a link can open its trail.
 */
import { useInfiniteQuery } from "@tanstack/react-query";
import { Button, Form, Input, Select, Space, Table, Typography } from "antd";
import { useSearchParams } from "react-router";
import { api, dataOf } from "../api/client";
import type { components } from "../api/openapi";
import { ApiErrorAlert, OperationsScreen } from "../components/operations";
import { formatInstant, localZone } from "../format";
import { type MessageKey, useMessages } from "../i18n";

type Entry = components["schemas"]["AuditEntry"];
type AuditPage = components["schemas"]["AuditList"];
const ENTITY_TYPES = ["MERCHANT", "PARTNER", "CAMPAIGN", "STATEMENT", "FRAUD_FLAG"] as const;
type EntityType = (typeof ENTITY_TYPES)[number];

/** The fields a change altered, before → after; the whole entity when it was created. */
export function changedFields(entry: Pick<Entry, "before" | "after">): { field: string; before?: unknown; after?: unknown }[] {
  const before = entry.before ?? {};
  const after = entry.after ?? {};
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return fields
    .filter((field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]))
    .map((field) => ({ field, ...(field in before ? { before: before[field] } : {}), ...(field in after ? { after: after[field] } : {}) }));
}

const shown = (value: unknown) => (value === undefined ? "—" : typeof value === "string" ? value : JSON.stringify(value));

export function Audit() {
  const t = useMessages();
  const zone = localZone();
  const [params, setParams] = useSearchParams();
  const entity = params.get("entity") ?? undefined;
  const [type, id] = entity ? [entity.slice(0, entity.indexOf("#")), entity.slice(entity.indexOf("#") + 1)] : ["MERCHANT", ""];
  const trail = useInfiniteQuery({
    queryKey: ["audit", entity],
    enabled: entity !== undefined,
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page: AuditPage) => page.nextToken,
    queryFn: async ({ pageParam }): Promise<AuditPage> =>
      dataOf(await api.GET("/admin/audit", { params: { query: { entity: entity!, limit: 50, ...(pageParam ? { nextToken: pageParam } : {}) } } })),
  });
  const entries = trail.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <OperationsScreen title={t("auditTitle")}>
      <Form
        layout="inline"
        key={entity ?? ""}
        initialValues={{ type, id }}
        onFinish={(values: { type: EntityType; id: string }) => setParams({ entity: `${values.type}#${values.id.trim()}` })}
      >
        <Form.Item label={t("entityType")} name="type">
          <Select style={{ width: 160 }} options={ENTITY_TYPES.map((value) => ({ value, label: t(`entity${value}` as MessageKey) }))} />
        </Form.Item>
        <Form.Item label={t("entityId")} name="id" tooltip={t("entityIdHint")}>
          <Input style={{ width: 280 }} />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          {t("show")}
        </Button>
      </Form>
      {trail.isError ? <ApiErrorAlert error={trail.error} /> : null}
      {entity !== undefined ? (
        <Table<Entry>
          rowKey={(entry) => `${entry.at}#${entry.action}#${entry.who}`}
          size="middle"
          loading={trail.isLoading}
          dataSource={entries}
          locale={{ emptyText: t("noAudit") }}
          pagination={false}
          columns={[
            { title: t("at"), dataIndex: "at", render: (value: string) => formatInstant(value, zone) },
            { title: t("who"), dataIndex: "who" },
            { title: t("action"), dataIndex: "action" },
            { title: t("reason"), dataIndex: "reason" },
            {
              title: t("change"),
              key: "change",
              render: (_, entry) => (
                <Space orientation="vertical" size={0}>
                  {changedFields(entry).map((change) => (
                    <Typography.Text key={change.field} style={{ fontSize: 12 }}>
                      {change.field}: {shown(change.before)} → {shown(change.after)}
                    </Typography.Text>
                  ))}
                </Space>
              ),
            },
          ]}
        />
      ) : null}
      {trail.hasNextPage ? (
        <Button onClick={() => void trail.fetchNextPage()} loading={trail.isFetchingNextPage}>
          {t("loadMore")}
        </Button>
      ) : null}
    </OperationsScreen>
  );
}
