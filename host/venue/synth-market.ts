// The market half of `riskgrid synth`: one underlying (the profile's currency) with a perp and
// option books over daily, weekly, monthly and quarterly expiries (Derive's listing pattern, 08:00
// UTC), strikes on a "nice" grid around each forward, a smile that is steeper for short expiries,
// and a price for every collateral the profile accepts. Exactly `instruments` instruments: the perp
// plus (instruments − 1) options, calls and puts on each strike.
import { formatExpiryToken } from '../model/expiry.js';
import { formatStrike } from '../model/ids.js';
import type { SynthRng } from './synth-rng.js';

const DAY = 86_400_000;
const YEAR = 365 * DAY;

export interface SynthExpiry {
  token: string;
  expiry: number;
  /** Years to expiry from the snapshot. */
  T: number;
  forward: number;
  atmVol: number;
  strikes: number[];
  callIds: string[];
  /** undefined where the instrument budget ran out after the call. */
  putIds: (string | undefined)[];
}

export interface SynthCollateral {
  asset: string;
  price: number;
  /** Moves with the underlying (covers short calls). */
  riskCancelling: boolean;
}

export interface SynthMarket {
  json: Record<string, unknown>;
  underlying: string;
  spot: number;
  perpPrice: number;
  perpId: string;
  expiries: SynthExpiry[];
  collaterals: SynthCollateral[];
}

export interface SynthMarketOptions {
  underlying: string;
  instruments: number;
  timestamp: number;
  spot: number;
  /** The profile's collateral table: name → riskCancelling. */
  collaterals: Record<string, { riskCancelling?: boolean }>;
}

/** Candidate expiries after `t0`: 3 dailies, 4 Friday weeklies, 3 month-ends, 4 quarter-ends. */
function expiryCandidates(t0: number): number[] {
  const day0 = Math.floor(t0 / DAY) * DAY + 8 * 3_600_000;
  const out = new Set<number>();
  for (let d = 1; d <= 3; d++) out.add(day0 + d * DAY);
  let fri = day0 + DAY;
  while (new Date(fri).getUTCDay() !== 5) fri += DAY;
  for (let w = 0; w < 4; w++) out.add(fri + 7 * w * DAY);
  const lastFriday = (y: number, m: number): number => {
    let t = Date.UTC(y, m + 1, 0, 8); // last day of month m
    while (new Date(t).getUTCDay() !== 5) t -= DAY;
    return t;
  };
  const d0 = new Date(t0);
  let monthly = 0;
  for (let k = 0; monthly < 3 && k < 6; k++) {
    const t = lastFriday(d0.getUTCFullYear(), d0.getUTCMonth() + k);
    if (t > t0 + DAY / 2) { out.add(t); monthly++; }
  }
  let quarterly = 0;
  for (let k = 0; quarterly < 4 && k < 24; k++) {
    const m = d0.getUTCMonth() + k;
    if (m % 3 !== 2) continue;
    const t = lastFriday(d0.getUTCFullYear(), m);
    if (t > t0 + 40 * DAY) { out.add(t); quarterly++; }
  }
  return [...out].filter((t) => t > t0 + DAY / 2).sort((a, b) => a - b);
}

/** A round step (1, 2, 2.5 or 5 × 10^k, at least 1) near `x`. */
function niceStep(x: number): number {
  if (!(x > 1)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(x)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

/** The smile: ATM vol plus skew (puts richer) and curvature in standardised moneyness, capped at ±4 sd. */
function smileVol(atm: number, K: number, F: number, T: number): number {
  const x = Math.max(-4, Math.min(4, Math.log(K / F) / (atm * Math.sqrt(Math.max(T, 7 / 365)))));
  const v = atm * (1 - 0.06 * x + 0.035 * x * x);
  return Math.round(Math.min(3, Math.max(0.15, v)) * 1e4) / 1e4;
}

export function synthMarket(opts: SynthMarketOptions, rng: SynthRng): SynthMarket {
  const { underlying: U, timestamp: t0, spot } = opts;
  const nOptions = opts.instruments - 1;
  const nStrikes = Math.ceil(nOptions / 2);
  const candidates = expiryCandidates(t0);
  // At least 4 strikes per expiry: small venues list fewer, near-dated expiries.
  const nExp = Math.max(1, Math.min(candidates.length, Math.floor(nStrikes / 4)));
  const rate = 0.05;
  const perpPrice = Math.round(spot * (1 + rng.uniform(-0.001, 0.002)) * 100) / 100;
  const expiries: SynthExpiry[] = [];
  const jsonExpiries: Record<string, unknown> = {};
  let optionsLeft = nOptions;
  for (let e = 0; e < nExp; e++) {
    const expiry = candidates[e]!;
    const token = formatExpiryToken(expiry);
    const T = (expiry - t0) / YEAR;
    const forward = Math.round(spot * Math.exp(rate * T) * 100) / 100;
    const atmVol = Math.round((0.55 + 0.25 * Math.exp(-20 * T) + rng.uniform(-0.03, 0.03)) * 1e4) / 1e4;
    const n = Math.floor(nStrikes / nExp) + (e < nStrikes % nExp ? 1 : 0);
    // ±3.5 standard deviations over n strikes, widened for short expiries so the grid is not too fine.
    const sd = atmVol * Math.sqrt(Math.max(T, 2 / 365));
    const step = niceStep((forward * (Math.exp(3.5 * sd) - Math.exp(-3.5 * sd))) / n);
    const k0 = Math.max(step, Math.round(forward / step) * step - Math.floor(n / 2) * step);
    const strikes: number[] = [], callIds: string[] = [], putIds: (string | undefined)[] = [];
    const vols: Record<string, number> = {};
    for (let j = 0; j < n; j++) {
      const K = k0 + j * step;
      strikes.push(K);
      const ks = formatStrike(K);
      callIds.push(`${U}-${token}-${ks}-C`);
      optionsLeft--;
      putIds.push(optionsLeft > 0 ? `${U}-${token}-${ks}-P` : undefined);
      if (optionsLeft > 0) optionsLeft--;
      vols[ks] = smileVol(atmVol, K, forward, T);
    }
    expiries.push({ token, expiry, T, forward, atmVol, strikes, callIds, putIds });
    jsonExpiries[token] = { forward, rate, vols };
  }

  const collaterals: SynthCollateral[] = [];
  const collateralJson: Record<string, unknown> = {};
  for (const [asset, c] of Object.entries(opts.collaterals)) {
    const riskCancelling = c.riskCancelling === true;
    // Wrapped / staked forms of the underlying trade at a small premium; BTC forms near 30× ETH;
    // yield-bearing stables slightly above 1.
    let price: number;
    if (asset === U) price = spot;
    else if (riskCancelling) price = spot * (1 + rng.uniform(0, 0.07));
    else if (asset.includes('BTC')) price = spot * 31.5 * (1 + rng.uniform(-0.002, 0.002));
    else if (asset.startsWith('S')) price = 1 + rng.uniform(0.05, 0.2);
    else price = 1 + rng.uniform(-0.001, 0.001);
    price = Math.round(price * 1e4) / 1e4;
    collaterals.push({ asset, price, riskCancelling });
    collateralJson[asset] = { price };
  }

  const json: Record<string, unknown> = {
    snapshot_id: `synth-${U.toLowerCase()}-${new Date(t0).toISOString().slice(0, 10)}`,
    timestamp: t0,
    stablecoin: { asset: 'USDC', price: 1 },
    collateral: collateralJson,
    underlyings: { [U]: { index_price: spot, perp_price: perpPrice, expiries: jsonExpiries } },
  };
  return { json, underlying: U, spot, perpPrice, perpId: `${U}-PERPETUAL`, expiries, collaterals };
}
