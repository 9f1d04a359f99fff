// Backtesting a margin model: each day's margin (the loss it is meant to cover) against the P&L
// realised over the margin period that follows. An exception is a day whose realised loss exceeds
// the margin. Reports the counts, coverage, largest and average exception (loss beyond margin),
// Kupiec's POF test and the traffic-light zone.
import { RiskgridError } from '../errors.js';
import { kupiecPof, trafficLight, type KupiecResult, type Zone } from './kupiec.js';

export interface BacktestDay {
  date: string;
  /** Margin held on the day (a positive amount). */
  margin: number;
  /** P&L realised over the following margin period (negative = loss). */
  pnl: number;
}

export interface BacktestReport {
  level: number;
  observations: number;
  exceptions: number;
  /** Share of days whose loss the margin covered. */
  coverage: number;
  largestException: number;
  averageException: number;
  exceptionDates: string[];
  kupiec: KupiecResult;
  zone: Zone;
}

export function backtest(days: readonly BacktestDay[], level: number): BacktestReport {
  if (days.length === 0) throw new RiskgridError('RG_ERR_INVALID_INPUT', 'backtest needs at least one day', { field: 'days', value: 0 });
  const excess: number[] = [];
  const dates: string[] = [];
  days.forEach((d, i) => {
    if (!Number.isFinite(d.margin) || d.margin < 0) throw new RiskgridError('RG_ERR_INVALID_INPUT', `days[${i}].margin must be a finite amount >= 0, got ${d.margin}`, { field: `days[${i}].margin`, value: d.margin });
    if (!Number.isFinite(d.pnl)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `days[${i}].pnl must be finite, got ${d.pnl}`, { field: `days[${i}].pnl`, value: d.pnl });
    const beyond = -d.pnl - d.margin;
    if (beyond > 0) {
      excess.push(beyond);
      dates.push(d.date);
    }
  });
  const n = days.length;
  const x = excess.length;
  return {
    level,
    observations: n,
    exceptions: x,
    coverage: (n - x) / n,
    largestException: x === 0 ? 0 : Math.max(...excess),
    averageException: x === 0 ? 0 : excess.reduce((a, b) => a + b, 0) / x,
    exceptionDates: dates,
    kupiec: kupiecPof(n, x, level),
    zone: trafficLight(n, x, level),
  };
}
