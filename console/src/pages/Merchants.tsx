/**
 * Merchants (issue item 4): the approval queue (approve, bulk approve, suspend with a reason,
 * reinstate), searched and filtered by sector and status; and the public list as residents see it.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Button, Form, Input, Modal, Select, Space, Table, Tabs, Typography, message } from "antd";
import { useMemo, useState } from "react";
import { SECTORS } from "../../../shared/domain/sectors.js";
import { api, dataOf } from "../api/client";
import type { components } from "../api/openapi";
import { ApiErrorAlert, allPages, showFieldErrors, OperationsScreen, STATUS_COLOURS, StatusTag } from "../components/operations";
import { formatInstant, localZone } from "../format";
import { type MessageKey, useMessages } from "../i18n";

type Merchant = components["schemas"]["Merchant"];
type MerchantStatus = Merchant["status"];
type Sector = Merchant["sector"];

const STATUSES: MerchantStatus[] = ["PENDING", "APPROVED", "SUSPENDED"];
const COLOURS: Record<MerchantStatus, string> = { PENDING: STATUS_COLOURS.warn, APPROVED: STATUS_COLOURS.ok, SUSPENDED: STATUS_COLOURS.bad };

/** The message key of a sector's name. */
export const sectorKey = (sector: string): MessageKey => `sector_${sector}` as MessageKey;

function SuspendDialog(props: { merchant: Merchant | undefined; onClose: () => void }) {
  const t = useMessages();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ reason: string }>();
  const suspend = useMutation({
    mutationFn: async (reason: string) =>
      dataOf(await api.POST("/admin/merchants/{id}/suspend", { params: { path: { id: props.merchant!.id } }, body: { reason } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["merchants"] });
      form.resetFields();
      props.onClose();
    },
    onError: (error) => showFieldErrors(form, error, ["reason"]),
  });
  return (
    <Modal
      open={props.merchant !== undefined}
      title={t("suspendTitle", { id: props.merchant?.id ?? "" })}
      okText={t("suspend")}
      okButtonProps={{ danger: true, loading: suspend.isPending }}
      onOk={() => form.submit()}
      onCancel={() => {
        suspend.reset();
        props.onClose();
      }}
      destroyOnHidden
    >
      <Typography.Paragraph>{t("suspendConsequence")}</Typography.Paragraph>
      <Form form={form} layout="vertical" onFinish={(values) => suspend.mutate(values.reason)}>
        {/* No client-side rule: the API's own message lands at the field. */}
        <Form.Item label={t("reason")} name="reason">
          <Input.TextArea rows={3} />
        </Form.Item>
      </Form>
      {suspend.isError ? <ApiErrorAlert error={suspend.error} title={t("suspend")} /> : null}
    </Modal>
  );
}

function ManagedMerchants() {
  const t = useMessages();
  const queryClient = useQueryClient();
  const zone = localZone();
  const [status, setStatus] = useState<MerchantStatus | undefined>("PENDING");
  const [sector, setSector] = useState<Sector | undefined>();
  const [search, setSearch] = useState("");
  const [selected, setSelected] = useState<string[]>([]);
  const [suspending, setSuspending] = useState<Merchant | undefined>();
  const merchants = useQuery({
    queryKey: ["merchants", "admin", status ?? "all"],
    queryFn: () =>
      allPages(async (nextToken) =>
        dataOf(await api.GET("/admin/merchants", { params: { query: { limit: 100, ...(status ? { status } : {}), ...(nextToken ? { nextToken } : {}) } } })),
      ),
  });
  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return (merchants.data ?? []).filter(
      (merchant) => (sector === undefined || merchant.sector === sector) && (needle === "" || `${merchant.id} ${merchant.name}`.toLowerCase().includes(needle)),
    );
  }, [merchants.data, sector, search]);
  const change = useMutation({
    mutationFn: async (input: { ids: string[]; action: "approve" | "reinstate" }) => {
      // One call per merchant; each is its own audited change, and one refusal does not stop the others.
      const results = await Promise.allSettled(
        input.ids.map(async (id) =>
          dataOf(
            input.action === "approve"
              ? await api.POST("/admin/merchants/{id}/approve", { params: { path: { id } } })
              : await api.POST("/admin/merchants/{id}/reinstate", { params: { path: { id } } }),
          ),
        ),
      );
      const refused = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
      if (refused) throw refused.reason;
      return results.length;
    },
    onSettled: async () => {
      setSelected([]);
      await queryClient.invalidateQueries({ queryKey: ["merchants"] });
    },
    onSuccess: (count, input) => {
      if (input.action === "approve") void message.success(t("approved", { n: count }));
    },
  });
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      {/* The filters' few options all rendered (virtual={false}): a virtual list renders only those scrolled into view. */}
      <Space wrap>
        <Input.Search aria-label={t("search")} placeholder={t("searchMerchants")} allowClear onChange={(event) => setSearch(event.target.value)} style={{ width: 260 }} />
        <Select<MerchantStatus | "all">
          virtual={false}
          aria-label={t("status")}
          value={status ?? "all"}
          onChange={(value) => setStatus(value === "all" ? undefined : value)}
          style={{ width: 160 }}
          options={[{ value: "all", label: t("allStatuses") }, ...STATUSES.map((value) => ({ value, label: t(`merchant${value}`) }))]}
        />
        <Select<Sector | "all">
          virtual={false}
          aria-label={t("sector")}
          value={sector ?? "all"}
          onChange={(value) => setSector(value === "all" ? undefined : value)}
          style={{ width: 160 }}
          options={[{ value: "all", label: t("allSectors") }, ...SECTORS.map((value) => ({ value, label: t(sectorKey(value)) }))]}
        />
        <Button type="primary" disabled={selected.length === 0} loading={change.isPending} onClick={() => change.mutate({ ids: selected, action: "approve" })}>
          {t("approveSelected", { n: selected.length })}
        </Button>
      </Space>
      {merchants.isError ? <ApiErrorAlert error={merchants.error} /> : null}
      {change.isError ? <ApiErrorAlert error={change.error} title={t("approve")} /> : null}
      <Table<Merchant>
        rowKey="id"
        size="middle"
        loading={merchants.isPending}
        dataSource={shown}
        locale={{ emptyText: t("noMerchants") }}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        rowSelection={{
          selectedRowKeys: selected,
          onChange: (keys) => setSelected(keys.map(String)),
          getCheckboxProps: (merchant) => ({ disabled: merchant.status !== "PENDING", "aria-label": merchant.id }),
        }}
        columns={[
          { title: t("id"), dataIndex: "id" },
          { title: t("name"), dataIndex: "name" },
          { title: t("sector"), dataIndex: "sector", render: (value: Sector) => t(sectorKey(value)) },
          { title: t("partner"), dataIndex: "partnerId" },
          {
            title: t("status"),
            dataIndex: "status",
            render: (value: MerchantStatus, merchant) => (
              <Space orientation="vertical" size={0}>
                <StatusTag colour={COLOURS[value]}>{t(`merchant${value}`)}</StatusTag>
                {merchant.statusReason ? <Typography.Text type="secondary">{merchant.statusReason}</Typography.Text> : null}
              </Space>
            ),
          },
          { title: t("createdAt"), dataIndex: "createdAt", render: (value: string) => formatInstant(value, zone) },
          {
            title: t("actions"),
            key: "actions",
            render: (_, merchant) => (
              <Space>
                {merchant.status === "PENDING" ? (
                  <Button size="small" type="primary" aria-label={`${t("approve")} ${merchant.id}`} onClick={() => change.mutate({ ids: [merchant.id], action: "approve" })}>
                    {t("approve")}
                  </Button>
                ) : null}
                {merchant.status === "APPROVED" ? (
                  <Button size="small" danger aria-label={`${t("suspend")} ${merchant.id}`} onClick={() => setSuspending(merchant)}>
                    {t("suspend")}
                  </Button>
                ) : null}
                {merchant.status === "SUSPENDED" ? (
                  <Button size="small" aria-label={`${t("reinstate")} ${merchant.id}`} onClick={() => change.mutate({ ids: [merchant.id], action: "reinstate" })}>
                    {t("reinstate")}
                  </Button>
                ) : null}
              </Space>
            ),
          },
        ]}
      />
      <SuspendDialog merchant={suspending} onClose={() => setSuspending(undefined)} />
    </Space>
  );
}

function PublicList() {
  const t = useMessages();
  const merchants = useQuery({
    queryKey: ["merchants", "public"],
    queryFn: () => allPages(async (nextToken) => dataOf(await api.GET("/merchants", { params: { query: { limit: 100, ...(nextToken ? { nextToken } : {}) } } }))),
    // The public list may be up to 2 s old: shown as residents get it, it catches up on its own.
    refetchInterval: 2_000,
  });
  return (
    <Space orientation="vertical" style={{ width: "100%" }}>
      <Typography.Paragraph type="secondary">{t("publicListHint")}</Typography.Paragraph>
      {merchants.isError ? <ApiErrorAlert error={merchants.error} /> : null}
      <Table<Merchant>
        rowKey="id"
        size="middle"
        loading={merchants.isPending}
        dataSource={merchants.data ?? []}
        locale={{ emptyText: t("noMerchants") }}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        columns={[
          { title: t("id"), dataIndex: "id" },
          { title: t("name"), dataIndex: "name" },
          { title: t("sector"), dataIndex: "sector", render: (value: Sector) => t(sectorKey(value)) },
        ]}
      />
    </Space>
  );
}

export function Merchants() {
  const t = useMessages();
  return (
    <OperationsScreen title={t("merchantsTitle")}>
      <Tabs
        items={[
          { key: "queue", label: t("merchantQueue"), children: <ManagedMerchants /> },
          { key: "public", label: t("publicList"), children: <PublicList /> },
        ]}
      />
    </OperationsScreen>
  );
}
