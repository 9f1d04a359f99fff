// tims: FINRA Rule 4210(g) / Cboe customer portfolio margin, OCC TIMS style.
//   Per product class (one underlying): value every position at `valuationPoints` equidistant price
//   moves, half up to +up and half down to −down (vol unchanged); theoretical loss = largest loss.
//   Classes of one product group offset: at each valuation point (same rank in each class),
//   group loss = max(Σ class losses − offset × Σ class gains, 0); requirement = the largest.
//   An underlying without its own entry takes the "*" class and is a product group of its own
//   (single names do not offset each other).
//   Minimum: minimumPerContract × multiplier per contract (a long option: not above its value).
//   Concentration add-on: rate × (gross notional of a class above the threshold).
//   maintenance = max(group loss, Σ minimums) + add-on; initial = maintenance × initialToMaintenance.
import type { Portfolio, ResolvedPosition } from '../standard/position.js';

export interface TimsClass {
  group: string;
  /** Largest up and down price moves (0.15 = 15 %). */
  up: number;
  down: number;
}

export interface TimsParams {
  /** Even number of points: half up, half down (FINRA: 10). */
  valuationPoints: number;
  /** Product classes by underlying; "*" is the default for unlisted underlyings. */
  classes: Record<string, TimsClass>;
  /** Offset percentage (0..1) of gains against losses between classes of a group. */
  groups: Record<string, { offset: number }>;
  minimumPerContract: number;
  concentration: { threshold: number; rate: number };
  initialToMaintenance: number;
}

export type TimsPortfolio = Portfolio<ResolvedPosition>;

export interface TimsClassResult {
  underlying: string;
  /** Product group: the class's group, or the underlying itself for "*" classes. */
  group: string;
  offset: number;
  theoreticalLoss: number;
  worstPoint: number;
  minimum: number;
  concentrationAddOn: number;
  /** P&L per valuation point (down max … up max). */
  pnl: number[];
}

export interface TimsResult {
  id: string;
  initialMargin: number;
  maintenanceMargin: number;
  breakdown: { classLosses: number; groupOffsets: number; minimumUplift: number; concentrationAddOn: number };
  groups: { group: string; loss: number; worstPoint: number; minimum: number }[];
  classes: TimsClassResult[];
}
