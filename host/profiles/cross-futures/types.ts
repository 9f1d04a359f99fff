// `cross-futures`: basic cross-margining. Futures and perpetuals of one underlying net to one
// signed notional (net delta): netRate × |net notional|, plus spreadRate × the offset notional
// ((gross − |net|) / 2: what the longs and shorts cancel, charged for calendar/basis risk).
// Spot and options are margined one by one exactly as in `standard`.
import type { Rate, StandardParams } from '../standard/types.js';

export interface CrossFuturesParams extends Pick<StandardParams, 'currency' | 'spotRate' | 'shortOption' | 'longOptionPremium'> {
  netRate: Rate;
  spreadRate: Rate;
}

export interface CrossFuturesUnit {
  underlying: string;
  netNotional: number;
  grossNotional: number;
  initial: number;
  maintenance: number;
}

export interface CrossFuturesResult {
  id: string;
  initialMargin: number;
  maintenanceMargin: number;
  breakdown: { netDelta: Rate; spread: Rate; spot: Rate; shortOptions: Rate; longOptions: Rate };
  /** Underlying with the largest initial requirement. */
  worstUnit: { underlying: string; initial: number } | null;
  units: CrossFuturesUnit[];
}
