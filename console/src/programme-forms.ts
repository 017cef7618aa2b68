/**
 * The portal's and reviewer queue's forms as the API's bodies: money typed in yuan sent in fen, each
 * programme kind with its own fields only. Pure, unit-tested in test/unit/console-programme-inputs.test.ts.
 */
import type { components } from "./api/openapi.js";
import { yuanToFen } from "./money-input.js";

type ProgrammeDefinition = components["schemas"]["ProgrammeDefinition"];
type ApplicationBody = components["schemas"]["ApplicationBody"];
type ProgrammeKind = ProgrammeDefinition["kind"];

/** A growth in % as the API computed it (two decimals). */
export function percentText(percent: number): string {
  return `${percent.toFixed(2)}%`;
}

export interface ApplicationForm {
  month?: string;
  sales?: { current: string; lastYear: string; previousMonth: string };
  summary: string;
  attachments?: string[];
}

export const APPLICATION_FIELDS = ["month", "sales.current", "sales.lastYear", "sales.previousMonth", "summary", "attachments"];

/** The form's values as the API's body: yuan → fen. */
export function applicationBody(values: ApplicationForm, growth: boolean, keptAttachments: string[]): ApplicationBody {
  const fen = (text: string) => yuanToFen(text) ?? 0;
  const attachments = [...keptAttachments, ...(values.attachments ?? [])];
  return {
    summary: values.summary,
    ...(growth && values.month && values.sales
      ? { month: values.month, sales: { current: fen(values.sales.current), lastYear: fen(values.sales.lastYear), previousMonth: fen(values.sales.previousMonth) } }
      : {}),
    ...(attachments.length > 0 ? { attachments } : {}),
  };
}

export interface ProgrammeForm {
  id: string;
  name: string;
  kind: ProgrammeKind;
  budget: string;
  from: string;
  to: string;
  timezone: string;
  exclusiveGroup?: string;
  tiers?: { minGrowthPercent: number; award: string }[];
  maxAward?: string;
  award?: string;
  percent?: number;
  maxPerItem?: string;
}

/** The form's values as POST /admin/programmes' body: yuan → fen, the kind's own fields only. */
export function programmeDefinition(values: ProgrammeForm): ProgrammeDefinition {
  const fen = (text: string | undefined) => yuanToFen(text ?? "") ?? 0;
  const common = {
    id: values.id,
    name: values.name,
    budget: fen(values.budget),
    period: { from: values.from, to: values.to },
    timezone: values.timezone,
    ...(values.exclusiveGroup ? { exclusiveGroup: values.exclusiveGroup } : {}),
  };
  switch (values.kind) {
    case "growth_reward":
      return { ...common, kind: "growth_reward", tiers: (values.tiers ?? []).map((tier) => ({ minGrowthPercent: tier.minGrowthPercent, award: fen(tier.award) })) };
    case "event_subsidy":
      return { ...common, kind: "event_subsidy", maxAward: fen(values.maxAward) };
    case "new_enterprise":
      return { ...common, kind: "new_enterprise", award: fen(values.award) };
    case "trade_in":
      return { ...common, kind: "trade_in", rule: { percent: values.percent ?? 0, maxPerItem: fen(values.maxPerItem) } };
  }
}

