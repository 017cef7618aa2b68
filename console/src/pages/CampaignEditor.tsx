/**
 * The campaign editor (issue item 2): the campaign document as a form (voucher types, drops with
 * repeats and lotteries, instant discounts, sectors, time zone), money in yuan and times in the
 * campaign's zone; the live budget arithmetic (the API's own rule); the API's issues shown at the
 * field they concern; DRAFT → PUBLISHED → PAUSED/RESUMED with confirmation dialogs; a drop added to
 * a published campaign.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  Alert,
  Button,
  Card,
  Checkbox,
  Col,
  Form,
  type FormInstance,
  Input,
  InputNumber,
  Progress,
  Row,
  Select,
  Skeleton,
  Space,
  Statistic,
  Switch,
  Typography,
  message,
} from "antd";
import { type ReactNode, useMemo, useState } from "react";
import { useNavigate, useParams } from "react-router";
import { SECTORS } from "../../../shared/domain/sectors.js";
import { ApiError, api, dataOf } from "../api/client";
import {
  type CampaignFields,
  type DropFields,
  budgetArithmetic,
  changedFieldNames,
  fieldOfIssue,
  instantToLocal,
  toCampaignDocument,
  toCampaignFields,
  toDropDocument,
} from "../campaign-form";
import { ConfirmAction } from "../components/ConfirmAction";
import { formatYuan } from "../format";
import { type MessageKey, useMessages } from "../i18n";
import { StatusBadge } from "./Campaigns";

type FieldName = (string | number)[];

/** A new campaign's starting values: one voucher type and one drop tomorrow, in Shanghai time. */
function starterFields(): CampaignFields {
  const zone = "Asia/Shanghai";
  const day = (offset: number, time: string) => `${instantToLocal(new Date(Date.now() + offset * 86_400_000).toISOString(), zone).slice(0, 10)} ${time}`;
  return {
    timezone: zone,
    startsAt: day(1, "00:00"),
    endsAt: day(31, "23:59"),
    perPersonLimit: 1,
    sectors: ["supermarket"],
    refundPolicy: "void",
    rollover: false,
    voucherTypes: [{ id: "100-30", threshold: 100, discount: 30, validDays: 7 }],
    drops: [{ id: "d1", opensAt: day(1, "10:00"), closesAt: day(1, "12:00"), stock: { "100-30": 1000 } }],
    instantDiscounts: [],
  };
}

/** Puts the API's refusal at the fields it names; what names no field is returned for a list. */
function showApiError(form: FormInstance, error: unknown, prefix: string[] = []): string[] {
  if (!(error instanceof ApiError)) return [error instanceof Error ? error.message : String(error)];
  if (error.code === "BUDGET_EXCEEDED" && prefix.length === 0) {
    form.setFields([{ name: "budget", errors: [error.message] }]);
    return [];
  }
  const issues = Array.isArray(error.details) ? (error.details as { path?: unknown; message?: unknown }[]) : [];
  if (error.code !== "VALIDATION_FAILED" || issues.length === 0) return [error.message];
  const byField = new Map<string, { name: FieldName; errors: string[] }>();
  const unplaced: string[] = [];
  for (const issue of issues) {
    const path = typeof issue.path === "string" ? issue.path : "";
    const text = String(issue.message);
    const name = fieldOfIssue(path, prefix);
    if (!name || form.getFieldInstance(name) === undefined) {
      unplaced.push(path ? `${path}: ${text}` : text);
      continue;
    }
    const key = JSON.stringify(name);
    const entry = byField.get(key) ?? { name, errors: [] };
    entry.errors.push(text);
    byField.set(key, entry);
  }
  form.setFields([...byField.values()]);
  return unplaced;
}

function Section(props: { title: string; children: ReactNode; extra?: ReactNode }) {
  return (
    <Card title={props.title} size="small" extra={props.extra} style={{ marginBottom: 16 }}>
      {props.children}
    </Card>
  );
}

/** A whole-number field (units, shards, limits, quotas). */
function Count(props: { name: string | FieldName; label: string; min: number; max?: number }) {
  return (
    <Form.Item name={props.name} label={props.label}>
      <InputNumber min={props.min} max={props.max} precision={0} style={{ width: "100%" }} />
    </Form.Item>
  );
}

/** A local wall-clock time field, the zone named in its help. */
function LocalTime(props: { name: FieldName; label: string; zone: string }) {
  const t = useMessages();
  return (
    <Form.Item name={props.name} label={props.label} extra={t("localTimeHint", { zone: props.zone })}>
      <Input placeholder="2026-12-05 10:00" />
    </Form.Item>
  );
}

/** One drop's fields; `name` is its place in the form ([] in the add-drop form, [index] in the drop list). */
function DropEditor(props: { name: FieldName; full: FieldName; typeIds: string[]; zone: string }) {
  const t = useMessages();
  const at = (...rest: (string | number)[]) => [...props.name, ...rest];
  return (
    <Row gutter={12}>
      <Col xs={24} md={6}>
        <Form.Item name={at("id")} label={t("dropId")}>
          <Input />
        </Form.Item>
      </Col>
      <Col xs={24} md={9}>
        <LocalTime name={at("opensAt")} label={t("opensAt")} zone={props.zone} />
      </Col>
      <Col xs={24} md={9}>
        <LocalTime name={at("closesAt")} label={t("closesAt")} zone={props.zone} />
      </Col>
      {props.typeIds.map((typeId) => (
        <Col xs={24} md={6} key={typeId}>
          <Count name={at("stock", typeId)} label={t("stockOf", { type: typeId })} min={0} />
        </Col>
      ))}
      <Col xs={12} md={4}>
        <Count name={at("shards")} label={t("shardsField")} min={1} max={1000} />
      </Col>
      <Col xs={12} md={5}>
        <Count name={at("expectedAttemptsPerSecond")} label={t("expectedRate")} min={1} />
      </Col>
      <Col xs={12} md={4}>
        <Form.Item name={at("repeat", "every")} label={t("repeatEvery")}>
          <Select
            allowClear
            placeholder={t("repeatNone")}
            options={[
              { value: "P1D", label: t("repeatDaily") },
              { value: "P1W", label: t("repeatWeekly") },
            ]}
          />
        </Form.Item>
      </Col>
      <Col xs={12} md={3}>
        <Count name={at("repeat", "times")} label={t("repeatTimes")} min={2} max={52} />
      </Col>
      <Col xs={12} md={5}>
        <Form.Item name={at("audience")} label={t("audience")}>
          <Select
            allowClear
            placeholder={t("audienceEveryone")}
            options={[
              { value: "everyone", label: t("audienceEveryone") },
              { value: "registered", label: t("audienceRegistered") },
            ]}
          />
        </Form.Item>
      </Col>
      <Col xs={12} md={3}>
        <Form.Item name={at("lottery")} label={t("lotteryDrop")} valuePropName="checked">
          <Switch />
        </Form.Item>
      </Col>
      <Form.Item noStyle shouldUpdate>
        {({ getFieldValue }) =>
          getFieldValue([...props.full, "lottery"]) ? (
            <>
              <Col xs={24} md={8}>
                <LocalTime name={at("registration", "opensAt")} label={t("registrationOpensAt")} zone={props.zone} />
              </Col>
              <Col xs={24} md={8}>
                <LocalTime name={at("registration", "closesAt")} label={t("registrationClosesAt")} zone={props.zone} />
              </Col>
              <Col xs={24} md={8}>
                <LocalTime name={at("drawAt")} label={t("drawAt")} zone={props.zone} />
              </Col>
            </>
          ) : null
        }
      </Form.Item>
    </Row>
  );
}

const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;

function InstantDiscountEditor(props: { index: number }) {
  const t = useMessages();
  const at = (...rest: (string | number)[]) => [props.index, ...rest];
  return (
    <Row gutter={12}>
      <Col xs={24} md={6}>
        <Form.Item name={at("id")} label={t("instantId")}>
          <Input />
        </Form.Item>
      </Col>
      <Col xs={12} md={4}>
        <Count name={at("quota", "total")} label={t("quotaTotal")} min={1} />
      </Col>
      <Col xs={12} md={4}>
        <Count name={at("quota", "daily")} label={t("quotaDaily")} min={1} />
      </Col>
      <Col xs={12} md={5}>
        <Count name={at("perPayer", "total")} label={t("perPayerTotalField")} min={1} />
      </Col>
      <Col xs={12} md={5}>
        <Count name={at("perPayer", "daily")} label={t("perPayerDailyField")} min={1} />
      </Col>
      <Col span={24}>
        <Form.List name={at("tiers")}>
          {(tiers, { add, remove }) => (
            <>
              {tiers.map((tier) => (
                <Row gutter={12} key={tier.key} align="bottom">
                  <Col xs={10} md={6}>
                    <Form.Item name={[tier.name, "threshold"]} label={`${t("tierN", { n: tier.name + 1 })} · ${t("thresholdYuan")}`}>
                      <InputNumber min={0.01} precision={2} style={{ width: "100%" }} />
                    </Form.Item>
                  </Col>
                  <Col xs={10} md={6}>
                    <Form.Item name={[tier.name, "discount"]} label={`${t("tierN", { n: tier.name + 1 })} · ${t("discountYuan")}`}>
                      <InputNumber min={0.01} precision={2} style={{ width: "100%" }} />
                    </Form.Item>
                  </Col>
                  <Col xs={4} md={2}>
                    <Form.Item>
                      <Button onClick={() => remove(tier.name)}>{t("remove")}</Button>
                    </Form.Item>
                  </Col>
                </Row>
              ))}
              <Button onClick={() => add({})} style={{ marginBottom: 16 }}>
                {t("addTier")}
              </Button>
            </>
          )}
        </Form.List>
      </Col>
      <Col xs={24} md={10}>
        <Form.Item name={at("window", "daysOfWeek")} label={t("daysOfWeek")}>
          <Checkbox.Group options={WEEKDAYS.map((day) => ({ value: day, label: t(`weekday${day}` as MessageKey) }))} />
        </Form.Item>
      </Col>
      <Col xs={12} md={3}>
        <Form.Item name={at("window", "from")} label={t("fromTime")}>
          <Input placeholder="10:00" />
        </Form.Item>
      </Col>
      <Col xs={12} md={3}>
        <Form.Item name={at("window", "to")} label={t("toTime")}>
          <Input placeholder="22:00" />
        </Form.Item>
      </Col>
      <Col xs={24} md={8}>
        <Form.Item name={at("partners")} label={t("partnersField")}>
          <Select mode="tags" tokenSeparators={[",", " "]} />
        </Form.Item>
      </Col>
    </Row>
  );
}

/** The live budget: committed against the budget, as the API will compute it. */
function BudgetPanel(props: { document: Record<string, unknown> }) {
  const t = useMessages();
  const figures = budgetArithmetic(props.document);
  if (!figures) return <Typography.Text type="secondary">{t("budgetUnknown")}</Typography.Text>;
  const over = figures.left < 0;
  return (
    <div data-testid="budget-arithmetic">
      <Row gutter={16}>
        <Col xs={24} md={8}>
          <Statistic title={t("budget")} value={formatYuan(figures.budget)} />
        </Col>
        <Col xs={24} md={8}>
          <Statistic title={t("budgetCommitted")} value={formatYuan(figures.committed)} />
        </Col>
        <Col xs={24} md={8}>
          <Statistic title={t("budgetLeft")} value={formatYuan(figures.left)} styles={{ content: { color: over ? "#cf1322" : undefined } }} />
        </Col>
      </Row>
      <Progress
        percent={figures.budget === 0 ? 100 : Math.min(100, (figures.committed / figures.budget) * 100)}
        status={over ? "exception" : "normal"}
        showInfo={false}
        aria-label={t("budgetArithmetic")}
      />
      {over ? <Alert type="error" showIcon title={t("budgetOver", { amount: formatYuan(-figures.left) })} /> : null}
    </div>
  );
}

function IssueList(props: { issues: string[] }) {
  const t = useMessages();
  if (props.issues.length === 0) return null;
  return <Alert type="error" showIcon title={t("apiIssues")} description={<ul>{props.issues.map((issue) => <li key={issue}>{issue}</li>)}</ul>} style={{ marginBottom: 16 }} />;
}

/** The campaign form; read-only once published. */
function CampaignForm(props: { initial: CampaignFields; mode: "create" | "replace" | "readOnly"; campaignId?: string }) {
  const t = useMessages();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const [form] = Form.useForm<CampaignFields>();
  const [issues, setIssues] = useState<string[]>([]);
  const values = Form.useWatch([], form) as CampaignFields | undefined;
  const document = useMemo(() => toCampaignDocument(values ?? props.initial), [values, props.initial]);
  const zone = values?.timezone || props.initial.timezone || "Asia/Shanghai";
  const typeIds = (values?.voucherTypes ?? props.initial.voucherTypes ?? []).map((type) => type?.id).filter((id): id is string => Boolean(id));
  const save = useMutation({
    mutationFn: async () => {
      const body = toCampaignDocument(form.getFieldsValue(true) as CampaignFields) as never;
      return props.mode === "create"
        ? dataOf(await api.POST("/admin/campaigns", { body }))
        : dataOf(await api.PUT("/admin/campaigns/{id}", { params: { path: { id: props.campaignId! } }, body }));
    },
    onSuccess: async (campaign) => {
      setIssues([]);
      void message.success(t("saved"));
      await queries.invalidateQueries({ queryKey: ["admin-campaigns"] });
      await queries.invalidateQueries({ queryKey: ["admin-campaign", campaign.id] });
      if (props.mode === "create") void navigate(`/campaigns/${campaign.id}`);
    },
    onError: (error) => setIssues(showApiError(form, error)),
  });
  return (
    <Form<CampaignFields>
      form={form}
      layout="vertical"
      initialValues={props.initial}
      disabled={props.mode === "readOnly"}
      onFinish={() => save.mutate()}
      onValuesChange={(changed: Record<string, unknown>) => {
        // An edited field's API error is stale now; the budget's goes with any figure of the arithmetic.
        const names = changedFieldNames(changed);
        const figures = names.some((name) => ["voucherTypes", "drops", "instantDiscounts"].includes(String(name[0])));
        form.setFields([...names, ...(figures ? [["budget"]] : [])].map((name) => ({ name: name as never, errors: [] })));
      }}
    >
      <Section title={t("budgetArithmetic")}>
        <BudgetPanel document={document} />
      </Section>
      <Section title={t("campaigns")}>
        <Row gutter={12}>
          <Col xs={24} md={6}>
            <Form.Item name="id" label={t("campaignId")}>
              <Input disabled={props.mode !== "create"} />
            </Form.Item>
          </Col>
          <Col xs={24} md={10}>
            <Form.Item name="name" label={t("campaignName")}>
              <Input />
            </Form.Item>
          </Col>
          <Col xs={24} md={8}>
            <Form.Item name="timezone" label={t("timezone")}>
              <Input />
            </Form.Item>
          </Col>
          <Col xs={24} md={6}>
            <Form.Item name="budget" label={t("budgetYuan")}>
              <InputNumber min={0} precision={2} style={{ width: "100%" }} />
            </Form.Item>
          </Col>
          <Col xs={24} md={9}>
            <LocalTime name={["startsAt"]} label={t("startsAt")} zone={zone} />
          </Col>
          <Col xs={24} md={9}>
            <LocalTime name={["endsAt"]} label={t("endsAt")} zone={zone} />
          </Col>
          <Col xs={12} md={4}>
            <Form.Item name="perPersonLimit" label={t("perPersonLimit")}>
              <InputNumber min={1} precision={0} style={{ width: "100%" }} />
            </Form.Item>
          </Col>
          <Col xs={24} md={10}>
            <Form.Item name="sectors" label={t("sectors")}>
              <Select mode="multiple" options={SECTORS.map((sector) => ({ value: sector, label: sector }))} />
            </Form.Item>
          </Col>
          <Col xs={12} md={4}>
            <Form.Item name="refundPolicy" label={t("refundPolicy")}>
              <Select
                options={[
                  { value: "void", label: t("refundVoid") },
                  { value: "restore", label: t("refundRestore") },
                ]}
              />
            </Form.Item>
          </Col>
          <Col xs={12} md={6}>
            <Form.Item name="rollover" label={t("rollover")} valuePropName="checked">
              <Switch />
            </Form.Item>
          </Col>
        </Row>
      </Section>
      <Form.List name="voucherTypes">
        {(types, { add, remove }) => (
          <Section title={t("voucherTypes")} extra={<Button onClick={() => add({})}>{t("addVoucherType")}</Button>}>
            {types.map((type) => (
              <Row gutter={12} key={type.key} align="bottom">
                <Col xs={24} md={4}>
                  <Form.Item name={[type.name, "id"]} label={t("typeId")}>
                    <Input />
                  </Form.Item>
                </Col>
                <Col xs={12} md={4}>
                  <Form.Item name={[type.name, "threshold"]} label={t("thresholdYuan")}>
                    <InputNumber min={0.01} precision={2} style={{ width: "100%" }} />
                  </Form.Item>
                </Col>
                <Col xs={12} md={4}>
                  <Form.Item name={[type.name, "discount"]} label={t("discountYuan")}>
                    <InputNumber min={0.01} precision={2} style={{ width: "100%" }} />
                  </Form.Item>
                </Col>
                <Col xs={12} md={3}>
                  <Count name={[type.name, "validDays"]} label={t("validDays")} min={1} />
                </Col>
                <Col xs={12} md={6}>
                  <LocalTime name={[type.name, "validUntil"]} label={t("validUntil")} zone={zone} />
                </Col>
                <Col xs={24} md={3}>
                  <Form.Item>
                    <Button onClick={() => remove(type.name)}>{t("remove")}</Button>
                  </Form.Item>
                </Col>
              </Row>
            ))}
          </Section>
        )}
      </Form.List>
      <Form.List name="drops">
        {(drops, { add, remove }) => (
          <Section title={t("drops")} extra={<Button onClick={() => add({ stock: {} })}>{t("addDrop")}</Button>}>
            {drops.map((drop) => (
              <Card
                key={drop.key}
                size="small"
                type="inner"
                title={t("drop", { n: drop.name + 1 })}
                extra={<Button onClick={() => remove(drop.name)}>{t("remove")}</Button>}
                style={{ marginBottom: 12 }}
              >
                <DropEditor name={[drop.name]} full={["drops", drop.name]} typeIds={typeIds} zone={zone} />
              </Card>
            ))}
          </Section>
        )}
      </Form.List>
      <Form.List name="instantDiscounts">
        {(discounts, { add, remove }) => (
          <Section title={t("instantDiscounts")} extra={<Button onClick={() => add({ tiers: [{}], quota: {} })}>{t("addInstantDiscount")}</Button>}>
            {discounts.map((discount) => (
              <Card
                key={discount.key}
                size="small"
                type="inner"
                title={t("instantDiscountN", { n: discount.name + 1 })}
                extra={<Button onClick={() => remove(discount.name)}>{t("remove")}</Button>}
                style={{ marginBottom: 12 }}
              >
                <InstantDiscountEditor index={discount.name} />
              </Card>
            ))}
          </Section>
        )}
      </Form.List>
      <IssueList issues={issues} />
      {props.mode === "readOnly" ? null : (
        <Button type="primary" htmlType="submit" loading={save.isPending}>
          {t("saveDraft")}
        </Button>
      )}
    </Form>
  );
}

/** A new drop for a published or paused campaign, with what it adds to the committed budget. */
function AddDrop(props: { campaign: CampaignFields & { id: string }; existing: Record<string, unknown> }) {
  const t = useMessages();
  const queries = useQueryClient();
  const [form] = Form.useForm<DropFields>();
  const [issues, setIssues] = useState<string[]>([]);
  const zone = props.campaign.timezone ?? "Asia/Shanghai";
  const typeIds = (props.campaign.voucherTypes ?? []).map((type) => type.id).filter((id): id is string => Boolean(id));
  const values = Form.useWatch([], form) as DropFields | undefined;
  const drop = toDropDocument(values ?? {}, zone);
  const before = budgetArithmetic(props.existing);
  const after = budgetArithmetic({ ...props.existing, drops: [...((props.existing.drops as unknown[]) ?? []), drop] });
  const add = useMutation({
    mutationFn: async () =>
      dataOf(
        await api.POST("/admin/campaigns/{id}/drops", {
          params: { path: { id: props.campaign.id } },
          body: toDropDocument(form.getFieldsValue(true) as DropFields, zone) as never,
        }),
      ),
    onSuccess: async () => {
      setIssues([]);
      form.resetFields();
      void message.success(t("addDropDone"));
      await queries.invalidateQueries({ queryKey: ["admin-campaign", props.campaign.id] });
    },
    onError: (error) => setIssues(showApiError(form, error, ["drops", "0"])),
  });
  return (
    <Section title={t("addDropTitle")}>
      <Form<DropFields>
        form={form}
        layout="vertical"
        initialValues={{ stock: {} }}
        onFinish={() => add.mutate()}
        onValuesChange={(changed: Record<string, unknown>) => form.setFields(changedFieldNames(changed).map((name) => ({ name: name as never, errors: [] })))}
      >
        <DropEditor name={[]} full={[]} typeIds={typeIds} zone={zone} />
        {before && after ? (
          <Typography.Paragraph data-testid="add-drop-budget" type={after.left < 0 ? "danger" : undefined}>
            {t("addDropBudget", { drop: formatYuan(after.committed - before.committed), total: formatYuan(after.committed), budget: formatYuan(after.budget) })}
          </Typography.Paragraph>
        ) : null}
        <IssueList issues={issues} />
        <Button type="primary" htmlType="submit" loading={add.isPending}>
          {t("addDrop")}
        </Button>
      </Form>
    </Section>
  );
}

/** The status flow: publish a draft, pause a published campaign, resume a paused one; each asks first. */
function StatusActions(props: { campaignId: string; status: "DRAFT" | "PUBLISHED" | "PAUSED" }) {
  const t = useMessages();
  const queries = useQueryClient();
  const act = (action: "publish" | "pause" | "resume") => async () => {
    const path = { params: { path: { id: props.campaignId } } };
    if (action === "publish") dataOf(await api.POST("/admin/campaigns/{id}/publish", path));
    if (action === "pause") dataOf(await api.POST("/admin/campaigns/{id}/pause", path));
    if (action === "resume") dataOf(await api.POST("/admin/campaigns/{id}/resume", path));
    await queries.invalidateQueries({ queryKey: ["admin-campaign", props.campaignId] });
    await queries.invalidateQueries({ queryKey: ["admin-campaigns"] });
  };
  if (props.status === "DRAFT") {
    return <ConfirmAction type="primary" label={t("publish")} title={t("confirmPublishTitle")} consequences={t("confirmPublish")} onConfirm={act("publish")} />;
  }
  if (props.status === "PUBLISHED") {
    return <ConfirmAction danger label={t("pause")} title={t("confirmPauseTitle")} consequences={t("confirmPause")} onConfirm={act("pause")} />;
  }
  return <ConfirmAction type="primary" label={t("resume")} title={t("confirmResumeTitle")} consequences={t("confirmResume")} onConfirm={act("resume")} />;
}

export function CampaignEditor() {
  const t = useMessages();
  const { id } = useParams();
  const isNew = id === undefined || id === "new";
  const detail = useQuery({
    queryKey: ["admin-campaign", id],
    queryFn: async () => dataOf(await api.GET("/admin/campaigns/{id}", { params: { path: { id: id! } } })),
    enabled: !isNew,
  });
  const [starter] = useState(starterFields);
  if (isNew) {
    return (
      <Space orientation="vertical" style={{ width: "100%" }}>
        <Typography.Title level={1} style={{ fontSize: 24, margin: 0 }}>
          {t("editorTitleNew")}
        </Typography.Title>
        <CampaignForm initial={starter} mode="create" />
      </Space>
    );
  }
  if (detail.isPending) return <Skeleton active />;
  if (detail.isError) return <Alert type="error" showIcon title={t("loadFailed")} description={detail.error.message} />;
  const campaign = detail.data;
  const fields = toCampaignFields(campaign);
  return (
    <Space orientation="vertical" style={{ width: "100%" }}>
      <Space style={{ justifyContent: "space-between", width: "100%" }} wrap>
        <Typography.Title level={1} style={{ fontSize: 24, margin: 0 }}>
          {t("editorTitle", { name: campaign.name })}
        </Typography.Title>
        <Space>
          <span data-testid="campaign-status">
            <StatusBadge status={campaign.status} />
          </span>
          <StatusActions campaignId={campaign.id} status={campaign.status} />
        </Space>
      </Space>
      {campaign.status === "DRAFT" ? null : <Alert type="info" showIcon title={t("readOnlyPublished")} />}
      {campaign.status === "DRAFT" ? null : <AddDrop campaign={{ ...fields, id: campaign.id }} existing={toCampaignDocument(fields)} />}
      {/* Keyed by the last update, so a save or status change shows the campaign as stored. */}
      <CampaignForm key={campaign.updatedAt} initial={fields} mode={campaign.status === "DRAFT" ? "replace" : "readOnly"} campaignId={campaign.id} />
    </Space>
  );
}
