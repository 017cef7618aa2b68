/**
 * A campaign's card-swipe instant discounts (issue 12's console part): each one's definition
 * (tiers, window, per-payer limits, partners) and its live use against the quota (a gauge of the
 * total, today's use against the daily quota), from GET /admin/campaigns/{id}, refreshed every 10 s.
 */
import { useQuery } from "@tanstack/react-query";
import { Col, Descriptions, Row, Skeleton, Statistic, Typography } from "antd";
import { api, dataOf } from "../api/client";
import type { components } from "../api/openapi";
import { EChart } from "../components/EChart";
import { gaugeOption } from "../components/gauge";
import { useMessages } from "../i18n";
import { tiersText, windowText } from "../instant-text";

type InstantDiscountDetail = components["schemas"]["InstantDiscountDetail"];

function InstantDiscountUse(props: { discount: InstantDiscountDetail; timezone: string }) {
  const t = useMessages();
  const { discount } = props;
  const limits = [
    discount.perPayer?.total === undefined ? undefined : t("perPayerTotal", { n: discount.perPayer.total }),
    discount.perPayer?.daily === undefined ? undefined : t("perPayerDaily", { n: discount.perPayer.daily }),
  ].filter((text): text is string => text !== undefined);
  return (
    <div data-testid={`instant-${discount.id}`}>
      <Typography.Title level={4} style={{ fontSize: 15 }}>
        {t("instantDiscount")} {discount.id}
      </Typography.Title>
      <Row gutter={16}>
        <Col xs={24} md={8}>
          <EChart
            option={gaugeOption({ label: t("quotaUsed"), value: discount.used, max: Math.max(discount.quota.total, 1), detail: `${discount.used} / ${discount.quota.total}` })}
            ariaLabel={`${t("quotaUsed")} ${discount.used} / ${discount.quota.total}`}
            style={{ height: 160 }}
          />
        </Col>
        <Col xs={24} md={16}>
          <Row gutter={16}>
            <Col span={12}>
              <Statistic title={t("quotaRemaining")} value={discount.remaining} />
            </Col>
            <Col span={12}>
              <Statistic title={t("usedToday")} value={discount.usedToday} suffix={discount.quota.daily === undefined ? undefined : `/ ${discount.quota.daily}`} />
            </Col>
          </Row>
          <Descriptions size="small" column={1} style={{ marginTop: 8 }}>
            <Descriptions.Item label={t("tiers")}>{tiersText(discount.tiers, t)}</Descriptions.Item>
            <Descriptions.Item label={t("instantWindow")}>
              {windowText(discount.window, t)} ({props.timezone})
            </Descriptions.Item>
            <Descriptions.Item label={t("perPayer")}>{limits.length > 0 ? limits.join(", ") : t("noLimit")}</Descriptions.Item>
            <Descriptions.Item label={t("partners")}>{discount.partners?.join(", ") ?? t("allPartners")}</Descriptions.Item>
          </Descriptions>
        </Col>
      </Row>
    </div>
  );
}

/** The instant discounts of one campaign, with their use. */
export function InstantDiscounts(props: { campaignId: string; timezone: string }) {
  const detail = useQuery({
    queryKey: ["campaign-detail", props.campaignId],
    queryFn: async () => dataOf(await api.GET("/admin/campaigns/{id}", { params: { path: { id: props.campaignId } } })),
    refetchInterval: 10_000,
  });
  if (detail.isPending) return <Skeleton active />;
  // The card's stats already show the API's message when the operator routes refuse.
  if (detail.isError) return null;
  return (
    <>
      {(detail.data.instantDiscounts ?? []).map((discount) => (
        <InstantDiscountUse key={discount.id} discount={discount} timezone={props.timezone} />
      ))}
    </>
  );
}
