// Checks a DerivePmrmPortfolio before any arithmetic: every number finite and in its domain,
// every option's expiry present in the market data. Errors name the portfolio field, e.g.
// `portfolios[2].options[5].vol`. The struct is returned unchanged (no copy on the hot path).
import { RiskgridError } from '../../errors.js';
import { at, fail, finite, nonNegative, positive, unit } from '../../model/fields.js';
import type { DerivePmrmPortfolio } from './types.js';

export function validateDerivePmrmPortfolio(p: DerivePmrmPortfolio, path = 'portfolio'): DerivePmrmPortfolio {
  if (typeof p !== 'object' || p === null) fail('RG_ERR_INVALID_INPUT', path, p, 'must be an object');
  positive(p.spot, at(path, 'spot'));
  unit(p.spotConfidence, at(path, 'spotConfidence'));
  positive(p.stablePrice, at(path, 'stablePrice'));
  finite(p.cash, at(path, 'cash'));
  if (p.perpFunding !== undefined) finite(p.perpFunding, at(path, 'perpFunding'));
  nonNegative(p.baseAmount, at(path, 'baseAmount'));
  if (!Array.isArray(p.perps)) fail('RG_ERR_INVALID_INPUT', at(path, 'perps'), p.perps, 'must be an array');
  p.perps.forEach((q, i) => {
    const qp = `${at(path, 'perps')}[${i}]`;
    finite(q.amount, at(qp, 'amount'));
    positive(q.entryPrice, at(qp, 'entryPrice'));
  });
  // The perp feed matters only when perps are held (as on-chain).
  if (p.perps.length > 0) {
    positive(p.perpPrice, at(path, 'perpPrice'));
    unit(p.perpConfidence, at(path, 'perpConfidence'));
  }

  if (!Array.isArray(p.expiries)) fail('RG_ERR_INVALID_INPUT', at(path, 'expiries'), p.expiries, 'must be an array');
  const seen = new Set<number>();
  p.expiries.forEach((e, i) => {
    const ep = `${at(path, 'expiries')}[${i}]`;
    nonNegative(e.secToExpiry, at(ep, 'secToExpiry'));
    if (seen.has(e.secToExpiry)) fail('RG_ERR_INVALID_INPUT', at(ep, 'secToExpiry'), e.secToExpiry, 'duplicate expiry');
    seen.add(e.secToExpiry);
    positive(e.forward, at(ep, 'forward'));
    if (e.forwardFixed !== undefined) {
      nonNegative(e.forwardFixed, at(ep, 'forwardFixed'));
      if (e.forwardFixed > e.forward) fail('RG_ERR_INVALID_INPUT', at(ep, 'forwardFixed'), e.forwardFixed, 'must not exceed forward');
    }
    finite(e.rate, at(ep, 'rate'));
    unit(e.forwardConfidence, at(ep, 'forwardConfidence'));
    unit(e.rateConfidence, at(ep, 'rateConfidence'));
  });

  if (!Array.isArray(p.options)) fail('RG_ERR_INVALID_INPUT', at(path, 'options'), p.options, 'must be an array');
  p.options.forEach((o, i) => {
    const op = `${at(path, 'options')}[${i}]`;
    nonNegative(o.secToExpiry, at(op, 'secToExpiry'));
    positive(o.strike, at(op, 'strike'));
    if (typeof o.isCall !== 'boolean') fail('RG_ERR_INVALID_INPUT', at(op, 'isCall'), o.isCall, 'must be a boolean');
    finite(o.amount, at(op, 'amount'));
    nonNegative(o.vol, at(op, 'vol'));
    unit(o.volConfidence, at(op, 'volConfidence'));
    if (!seen.has(o.secToExpiry)) {
      throw new RiskgridError('RG_ERR_MISSING_MARKET_DATA', `${at(op, 'secToExpiry')}: no forward/rate data for expiry ${o.secToExpiry} s`, {
        field: at(op, 'secToExpiry'),
        value: o.secToExpiry,
      });
    }
  });
  return p;
}
