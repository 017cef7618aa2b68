/**
 * A lottery drop on drop day (issue item 4 of the console brief): its registrations so far (live
 * with the drop-day poll), the draw once registration has closed (POST …/draw, after a
 * confirmation), and the published result (GET /campaigns/{id}/drops/{dropId}/draw) with what a
 * resident needs to verify it.
 */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Descriptions, Space, Statistic, Table, Typography } from "antd";
import { api, dataOf } from "../api/client";
import type { components } from "../api/openapi";
import { ConfirmAction } from "../components/ConfirmAction";
import { formatInstant } from "../format";
import { useMessages } from "../i18n";

type DropDetail = components["schemas"]["DropDetail"];

function DrawResult(props: { campaignId: string; dropId: string; drawn: boolean }) {
  const t = useMessages();
  const result = useQuery({
    queryKey: ["draw-result", props.campaignId, props.dropId],
    queryFn: async () => {
      const answer = await api.GET("/campaigns/{id}/drops/{dropId}/draw", { params: { path: { id: props.campaignId, dropId: props.dropId }, query: { limit: 1 } } });
      // Not drawn yet is a state to show, not an error.
      return answer.response.status === 404 ? null : dataOf(answer);
    },
    // Until the result is published, ask again with the drop-day poll.
    refetchInterval: (query) => (query.state.data ? false : 2_000),
    enabled: props.drawn,
  });
  if (!props.drawn || result.data === null) return <Typography.Text type="secondary">{t("notDrawn")}</Typography.Text>;
  if (result.isError) return <Alert type="error" showIcon title={t("loadFailed")} description={result.error.message} />;
  if (!result.data) return null;
  const { data } = result;
  const rows = Object.keys(data.stock).map((typeId) => ({ typeId, stock: data.stock[typeId] ?? 0, winners: data.winners[typeId] ?? 0, issued: data.issued[typeId] ?? 0 }));
  return (
    <div data-testid={`draw-result-${props.dropId}`}>
      <Typography.Title level={4} style={{ fontSize: 15 }}>
        {t("drawResult")}
      </Typography.Title>
      <Descriptions size="small" column={1}>
        <Descriptions.Item label={t("commitment")}>
          <Typography.Text code copyable>
            {data.commitment}
          </Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label={t("seed")}>
          <Typography.Text code copyable>
            {data.seed}
          </Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label={t("registrations")}>{data.registrations}</Descriptions.Item>
      </Descriptions>
      <Table
        size="small"
        rowKey="typeId"
        pagination={false}
        dataSource={rows}
        columns={[
          { title: t("typeId"), dataIndex: "typeId" },
          { title: t("stockCol"), dataIndex: "stock", align: "right" },
          { title: t("winners"), dataIndex: "winners", align: "right" },
          { title: t("issued"), dataIndex: "issued", align: "right" },
        ]}
      />
      <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
        {t("verifyHint")}
      </Typography.Paragraph>
    </div>
  );
}

export function LotteryPanel(props: { campaignId: string; drop: DropDetail; timezone: string; now: number }) {
  const t = useMessages();
  const queries = useQueryClient();
  const { drop } = props;
  const registrationClosed = drop.registration !== undefined && props.now >= Date.parse(drop.registration.closesAt);
  const draw = async () => {
    dataOf(await api.POST("/admin/campaigns/{id}/drops/{dropId}/draw", { params: { path: { id: props.campaignId, dropId: drop.id } } }));
    await queries.invalidateQueries({ queryKey: ["drop-day", props.campaignId] });
  };
  return (
    <Space orientation="vertical" style={{ width: "100%" }} data-testid={`lottery-${drop.id}`}>
      <Typography.Title level={4} style={{ fontSize: 15, margin: 0 }}>
        {t("lotteryTitle")}
      </Typography.Title>
      <Space size="large" wrap>
        <Statistic title={t("registrations")} value={drop.registrations ?? 0} />
        {drop.registration ? (
          <Typography.Text>
            {t("registrationWindow")}: {formatInstant(drop.registration.opensAt, props.timezone)} → {formatInstant(drop.registration.closesAt, props.timezone)}
          </Typography.Text>
        ) : null}
        {drop.drawAt ? (
          <Typography.Text>
            {t("drawAt")}: {formatInstant(drop.drawAt, props.timezone)}
          </Typography.Text>
        ) : null}
      </Space>
      {drop.drawnAt ? null : registrationClosed ? (
        <ConfirmAction type="primary" label={t("drawNow")} title={t("confirmDrawTitle")} consequences={t("confirmDraw")} onConfirm={draw} />
      ) : (
        <Typography.Text type="secondary">{t("drawPending")}</Typography.Text>
      )}
      <DrawResult campaignId={props.campaignId} dropId={drop.id} drawn={drop.drawnAt !== undefined} />
    </Space>
  );
}
