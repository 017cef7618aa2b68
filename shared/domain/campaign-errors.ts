/**
 * The errors a campaign definition can fail with. Both answer 400; they differ in code so the
 * operator console can show a budget overrun with its figures rather than as a generic issue list.
 */
import { DomainError, ValidationError } from "../errors.js";
import { formatYuan } from "./money.js";

/** One problem of a campaign definition: a dot-joined path (`drops.1.opensAt`) and a sentence. */
export interface CampaignIssue {
  path: string;
  message: string;
}

/** The figures of a budget overrun, in fen: `excess` = `committed` − `budget`. */
export interface BudgetFigures {
  budget: number;
  committed: number;
  excess: number;
}

/**
 * A campaign (or a drop added to one) is malformed or inconsistent; `details` lists every
 * issue at once. A ValidationError, so it maps like any other bad body.
 */
export class CampaignInvalidError extends ValidationError {
  declare readonly details: CampaignIssue[];

  constructor(issues: CampaignIssue[], message = "The campaign is invalid") {
    super(message, { details: issues });
  }
}

/** Σ stock × discount over the drops would exceed the campaign's budget. */
export class BudgetExceededError extends DomainError {
  readonly code = "BUDGET_EXCEEDED";
  readonly status = 400;
  declare readonly details: BudgetFigures;

  constructor(figures: { budget: number; committed: number }) {
    const excess = figures.committed - figures.budget;
    super(
      `The drops commit ${formatYuan(figures.committed)} of subsidy, ${formatYuan(excess)} over the budget of ${formatYuan(figures.budget)}`,
      { details: { budget: figures.budget, committed: figures.committed, excess } },
    );
  }
}

/** A campaign, or a drop of one, with this id already exists. */
export class AlreadyExistsError extends DomainError {
  readonly code = "ALREADY_EXISTS";
  readonly status = 409;
}

/** Only a DRAFT campaign may be replaced; published ones change through their own routes. */
export class NotDraftError extends DomainError {
  readonly code = "NOT_DRAFT";
  readonly status = 409;
}

/** The campaign's status does not allow this operation (resuming a draft, adding a drop to one). */
export class CampaignStateError extends DomainError {
  readonly code = "INVALID_STATE";
  readonly status = 409;
}

/** The campaign kept changing under a write that must see it whole; the caller may try again. */
export class ConcurrentUpdateError extends DomainError {
  readonly code = "CONCURRENT_UPDATE";
  readonly status = 409;
}
