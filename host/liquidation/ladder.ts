// The account status ladder (issue 7, requirement 1): healthy → margin_call → reduce_only →
// liquidatable → bankrupt, from the account's equity against money levels set by the profile's
// `liquidation.ladder` ratios (params.ts):
//   margin_call   equity < L_mc  = im_ratio × IM
//   reduce_only   equity < L_ro  = L_lq + im_weight × (L_mc − L_lq)
//   liquidatable  equity < L_lq  = mm_ratio × MM
//   bankrupt      equity < 0
// Levels are made monotone (L_mc ≥ L_ro ≥ L_lq ≥ 0) by taking each as at least the one below, so
// an odd IM < MM profile cannot put a worse rung above a better one.
// Hysteresis: falling is immediate; climbing out of rung k needs equity ≥ L_k + band_k × MM,
// rung by rung, so an account sitting on a threshold does not flap on noise. Derive's auction
// un-flags a solvent auction at buffer margin ≥ 0 (equity ≥ MM × (1 + bufferMarginPercentage)),
// which is this rule with the liquidatable band = bufferMarginPercentage.
// Pure: the same (prev, figures, params) give the same answer.
import { RiskgridError } from '../errors.js';
import type { LadderParams } from './params.js';

export const STATUSES = ['healthy', 'margin_call', 'reduce_only', 'liquidatable', 'bankrupt'] as const;
export type AccountStatus = (typeof STATUSES)[number];

export interface AccountFigures {
  /** Value of positions + collateral + cash (may be negative). */
  readonly equity: number;
  /** Requirements are positive (or 0 for an empty account). */
  readonly initial_margin: number;
  readonly maintenance_margin: number;
}

export interface LadderLevels {
  /** equity below `enter[s]` puts the account at s or worse (healthy has none: −∞). */
  readonly enter: Readonly<Record<AccountStatus, number>>;
  /** equity at or above `leave[s]` lets an account at s climb past it. */
  readonly leave: Readonly<Record<AccountStatus, number>>;
}

export interface LadderResult {
  readonly status: AccountStatus;
  /** What the thresholds alone say (no hysteresis). */
  readonly raw: AccountStatus;
  readonly changed: boolean;
  readonly levels: LadderLevels;
}

function figure(v: unknown, field: string, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new RiskgridError('RG_ERR_INVALID_INPUT', `${field}: must be a finite number${min === 0 ? ' ≥ 0' : ''} (got ${String(v)})`, { field, value: v });
  }
  return v;
}

/** The money levels of each rung for these requirements. */
export function ladderLevels(figures: AccountFigures, params: LadderParams): LadderLevels {
  const im = figure(figures.initial_margin, 'initial_margin', 0);
  const mm = figure(figures.maintenance_margin, 'maintenance_margin', 0);
  const bk = 0;
  const lq = Math.max(params.liquidatable.mm_ratio * mm, bk);
  const mc = Math.max(params.margin_call.im_ratio * im, lq);
  const ro = Math.max(lq + params.reduce_only.im_weight * (mc - lq), lq);
  return {
    enter: { healthy: -Infinity, margin_call: mc, reduce_only: ro, liquidatable: lq, bankrupt: bk },
    leave: {
      healthy: -Infinity,
      margin_call: mc + params.margin_call.band * mm,
      reduce_only: ro + params.reduce_only.band * mm,
      liquidatable: lq + params.liquidatable.band * mm,
      bankrupt: bk + params.bankrupt.band * mm,
    },
  };
}

/** Worst rung whose level equity is below (index into STATUSES). */
function rawRank(equity: number, enter: LadderLevels['enter']): number {
  for (let k = STATUSES.length - 1; k > 0; k--) if (equity < enter[STATUSES[k]!]) return k;
  return 0;
}

/**
 * Next status from the previous one and fresh figures. `prev` undefined (a new account) takes the
 * raw status. Bad figures are RG_ERR_INVALID_INPUT, never a status.
 */
export function statusLadder(prev: AccountStatus | undefined, figures: AccountFigures, params: LadderParams): LadderResult {
  const equity = figure(figures.equity, 'equity');
  const levels = ladderLevels(figures, params);
  const raw = rawRank(equity, levels.enter);
  let k: number;
  if (prev === undefined) {
    k = raw;
  } else {
    const p = STATUSES.indexOf(prev);
    if (p < 0) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `prev: unknown status ${JSON.stringify(prev)}; statuses: ${STATUSES.join(', ')}`, { field: 'prev', value: prev });
    k = p;
    if (raw >= p) k = raw;
    else while (k > raw && equity >= levels.leave[STATUSES[k]!]) k--;
  }
  const status = STATUSES[k]!;
  return { status, raw: STATUSES[raw]!, changed: prev !== undefined && status !== prev, levels };
}
