// `riskgrid synth`: a seeded, reproducible synthetic venue in the shape of a derive-pmrm2 ETH
// venue, for benchmarks and demos. The market comes from synth-market.ts; the accounts are drawn
// here one at a time (a generator of JSON Lines), so a million accounts never sit in memory.
// Account archetypes: perp traders, naked option sellers, covered-call writers, delta-hedged option
// books, spread / straddle traders and option buyers. Position sizes and account scales have
// Pareto tails (a few whales); collateral is a mix of the profile's assets, funded around the
// book's rough risk so that most accounts are healthy and a minority are in margin call.
import { closeSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { RiskgridError } from '../errors.js';
import { registerBuiltinMethodologies } from '../margin/builtin.js';
import { loadProfile } from '../profiles/registry.js';
import { synthMarket, type SynthExpiry, type SynthMarket } from './synth-market.js';
import { SynthRng } from './synth-rng.js';

export interface SynthOptions {
  accounts: number;
  instruments: number;
  seed: number;
  /** Profile (name or parsed JSON) whose currency and collateral list shape the venue. Default derive-pmrm2.test. */
  profile?: string | Record<string, unknown>;
  /** Snapshot time (UTC ms). Default 2026-11-30 08:00 UTC, fixed so that a seed names one venue. */
  timestamp?: number;
  /** Index price of the underlying. Default 3000. */
  spot?: number;
}

export const SYNTH_DEFAULT_TIMESTAMP = Date.UTC(2026, 10, 30, 8);
export const SYNTH_MAX_ACCOUNTS = 10_000_000;
export const SYNTH_MAX_INSTRUMENTS = 100_000;

function bad(field: string, value: unknown, why: string): never {
  throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `${field} ${why}, got ${String(value)}`, { field, value });
}

function checkInt(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(field, v, `must be an integer in [${min}, ${max}]`);
  return v;
}

function checkOptions(o: SynthOptions): Required<SynthOptions> {
  if (o === null || typeof o !== 'object') bad('options', o, 'must be an object');
  const spot = o.spot ?? 3000;
  if (typeof spot !== 'number' || !(spot > 0 && spot < 1e9)) bad('spot', spot, 'must be a positive finite price');
  const timestamp = o.timestamp ?? SYNTH_DEFAULT_TIMESTAMP;
  checkInt('timestamp', timestamp, Date.UTC(2000, 0, 1), Date.UTC(2099, 0, 1));
  return {
    accounts: checkInt('accounts', o.accounts, 1, SYNTH_MAX_ACCOUNTS),
    // The perp plus at least one option.
    instruments: checkInt('instruments', o.instruments, 2, SYNTH_MAX_INSTRUMENTS),
    seed: checkInt('seed', o.seed, 0, 0xffffffff),
    timestamp,
    spot,
    profile: o.profile ?? 'derive-pmrm2.test',
  };
}

/** A venue ready to stream: its market and a generator of its accounts as JSON lines. */
export interface SynthVenue {
  market: SynthMarket;
  /** Account JSON lines (no newline), in account order; each call restarts from the seed. */
  accountLines(): Generator<string>;
  options: ReturnType<typeof checkOptions>;
}

export function synthVenue(opts: SynthOptions): SynthVenue {
  const o = checkOptions(opts);
  registerBuiltinMethodologies(); // profiles are checked against their methodology
  const profile = loadProfile(o.profile);
  const params = profile.params as { currency?: unknown; collaterals?: unknown };
  const U = typeof params.currency === 'string' ? params.currency : 'ETH';
  const collaterals = (params.collaterals ?? {}) as Record<string, { riskCancelling?: boolean }>;
  // Two streams from the seed: the market does not shift when the account count changes.
  const market = synthMarket({ underlying: U, instruments: o.instruments, timestamp: o.timestamp, spot: o.spot, collaterals }, new SynthRng(o.seed ^ 0x5eed0001));
  market.json.snapshot_id = `synth-${o.seed}`;
  return {
    market,
    options: o,
    accountLines: function* () {
      const rng = new SynthRng(o.seed);
      const gen = new AccountGen(market, rng);
      for (let i = 0; i < o.accounts; i++) yield gen.next(i);
    },
  };
}

// ---- accounts ------------------------------------------------------------------------------------

const ARCHETYPES = ['perp', 'naked', 'covered', 'hedged', 'spreads', 'buyer'] as const;
type Archetype = (typeof ARCHETYPES)[number];
const ARCHETYPE_WEIGHTS = [0.22, 0.13, 0.1, 0.25, 0.15, 0.15];
// Mean option-leg count per archetype (whole venue ≈ 10 positions per account).
const MEAN_LEGS: Record<Archetype, number> = { perp: 3, naked: 10, covered: 8, hedged: 17, spreads: 15, buyer: 10 };

/** Standard normal CDF (Abramowitz–Stegun 7.1.26, |error| < 1.5e-7: enough to size a hedge). */
function normCdf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x) / Math.SQRT2);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-(x * x) / 2);
  return x >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

// Collateral = the book's mark liability + rough risk × lognormal(FUND_MU, FUND_SIGMA): tuned on the
// reference path so that about 8% of accounts sit below IM and 5% below MM; BANKRUPT_SHARE of
// accounts hold less than their liability (equity < 0).
const FUND_MU = 0.1;
const FUND_SIGMA = 0.75;
const BANKRUPT_SHARE = 0.002;

const round = (x: number, dp: number): number => {
  const f = Math.pow(10, dp);
  return Math.round(x * f) / f;
};

class AccountGen {
  private readonly expWeights: number[];
  private readonly expTotal: number;
  private readonly stable: number[];
  private readonly moving: number[];
  private readonly other: number[];

  constructor(
    private readonly m: SynthMarket,
    private readonly rng: SynthRng,
  ) {
    // Near expiries carry most open interest.
    this.expWeights = m.expiries.map((_, i) => 1 / (1 + i));
    this.expTotal = this.expWeights.reduce((a, b) => a + b, 0);
    const idx = m.collaterals.map((_, i) => i);
    this.moving = idx.filter((i) => m.collaterals[i]!.riskCancelling);
    this.stable = idx.filter((i) => !m.collaterals[i]!.riskCancelling && m.collaterals[i]!.price < 2);
    this.other = idx.filter((i) => !m.collaterals[i]!.riskCancelling && m.collaterals[i]!.price >= 2);
  }

  private expiry(): SynthExpiry {
    return this.m.expiries[this.rng.pick(this.expWeights, this.expTotal)]!;
  }

  /** Strike index at a normal moneyness (in standard deviations, shifted by `bias`). */
  private strikeIndex(e: SynthExpiry, bias: number): number {
    const sd = e.atmVol * Math.sqrt(Math.max(e.T, 1 / 365));
    const K = e.forward * Math.exp(sd * (bias + 0.9 * this.rng.normal()));
    const s = e.strikes;
    const step = s.length > 1 ? s[1]! - s[0]! : 1;
    return Math.min(s.length - 1, Math.max(0, Math.round((K - s[0]!) / step)));
  }

  /** An option id; `bias` > 0 favours calls above / puts below the forward (out of the money). */
  private option(type: 'C' | 'P', otm: boolean): { id: string; e: SynthExpiry; j: number; call: boolean } {
    const e = this.expiry();
    const j = this.strikeIndex(e, otm ? (type === 'C' ? 1 : -1) : 0);
    let call = type === 'C';
    if (!call && e.putIds[j] === undefined) call = true; // the budget's lone call
    return { id: call ? e.callIds[j]! : e.putIds[j]!, e, j, call };
  }

  /** Black-76 delta and undiscounted price at the ATM vol: rough, for hedges and funding only. */
  private greeks(e: SynthExpiry, j: number, call: boolean): { delta: number; price: number } {
    const K = e.strikes[j]!;
    const F = e.forward;
    const sd = e.atmVol * Math.sqrt(Math.max(e.T, 1 / 365));
    const d1 = Math.log(F / K) / sd + sd / 2;
    const n1 = normCdf(d1), n2 = normCdf(d1 - sd);
    return call ? { delta: n1, price: F * n1 - K * n2 } : { delta: n1 - 1, price: K * (1 - n2) - F * (1 - n1) };
  }

  next(i: number): string {
    const rng = this.rng;
    const kind = ARCHETYPES[rng.pick(ARCHETYPE_WEIGHTS, 1)]!;
    // Account scale (contracts per leg): Pareto tail capped at 2,000× the median trader.
    const scale = Math.min(2000, rng.pareto(0.5, 1.3));
    const legSize = (): number => Math.max(0.1, round(scale * rng.pareto(1, 2.2) * rng.uniform(0.5, 1), 1));
    const pos = new Map<string, number>();
    const add = (id: string, size: number): void => {
      pos.set(id, (pos.get(id) ?? 0) + size);
    };
    let delta = 0;
    let shortCalls = 0;
    let risk = 0; // rough loss in a 20% move, to size the collateral
    let mtm = 0; // rough mark value of the book (short options are a liability)
    const spot = this.m.spot;
    const legs = Math.min(60, rng.count(MEAN_LEGS[kind]));
    const optionLeg = (type: 'C' | 'P', sign: number, otm: boolean, size = legSize()): void => {
      const o = this.option(type, otm);
      const s = sign * size;
      add(o.id, s);
      const g = this.greeks(o.e, o.j, o.call);
      delta += s * g.delta;
      mtm += s * g.price;
      if (o.call && s < 0) shortCalls -= s;
      risk += Math.abs(s) * spot * (s < 0 ? 0.2 : 0.05);
    };
    switch (kind) {
      case 'perp':
        for (let k = 1; k < legs; k++) optionLeg(rng.next() < 0.5 ? 'C' : 'P', rng.next() < 0.5 ? 1 : -1, true);
        delta += (rng.next() < 0.55 ? 1 : -1) * legSize() * 3;
        break;
      case 'naked':
        for (let k = 0; k < legs; k++) optionLeg(rng.next() < 0.5 ? 'C' : 'P', -1, true);
        break;
      case 'covered':
        for (let k = 0; k < legs; k++) optionLeg(rng.next() < 0.8 ? 'C' : 'P', rng.next() < 0.85 ? -1 : 1, true);
        break;
      case 'hedged':
        for (let k = 0; k < legs; k++) optionLeg(rng.next() < 0.5 ? 'C' : 'P', rng.next() < 0.45 ? 1 : -1, rng.next() < 0.6);
        break;
      case 'spreads': {
        // Verticals, straddles and calendars: pairs of opposite or same-sign legs.
        for (let k = 0; k < legs; k += 2) {
          const size = legSize();
          const type = rng.next() < 0.5 ? 'C' : 'P';
          const r = rng.next();
          if (r < 0.5) { optionLeg(type, 1, false, size); optionLeg(type, -1, true, size); }
          else if (r < 0.8) { const s = rng.next() < 0.5 ? 1 : -1; optionLeg('C', s, false, size); optionLeg('P', s, false, size); }
          else { optionLeg(type, -1, false, size); optionLeg(type, 1, false, size); }
        }
        break;
      }
      case 'buyer':
        for (let k = 0; k < legs; k++) optionLeg(rng.next() < 0.55 ? 'C' : 'P', 1, rng.next() < 0.7);
        break;
    }
    // Perp: a hedge of the options' delta (hedged, covered: partly), or the trader's own view.
    let perp = 0;
    if (kind === 'hedged') perp = -delta * rng.uniform(0.8, 1.05);
    else if (kind === 'perp') perp = delta;
    else if (rng.next() < 0.2) perp = -delta * rng.uniform(0, 1);
    perp = round(perp, 1);
    risk += Math.abs(perp) * spot * 0.2;
    const avg = round(this.m.perpPrice * (1 + 0.03 * rng.normal()), 2);
    if (perp !== 0) mtm += perp * (this.m.perpPrice - avg);

    const value = rng.next() < BANKRUPT_SHARE
      ? Math.max(0, -mtm) * rng.uniform(0.3, 0.9)
      : Math.max(0, -mtm) + risk * Math.exp(FUND_MU + FUND_SIGMA * rng.normal()) + 50 * rng.pareto(1, 1.5);
    const bal: [string, number][] = [];
    let rest = value;
    const m = this.m;
    if (kind === 'covered' && this.moving.length > 0 && shortCalls > 0) {
      const c = m.collaterals[this.moving[rng.int(this.moving.length)]!]!;
      const units = round(shortCalls * (c.asset === m.underlying ? 1 : spot / c.price) * rng.uniform(0.8, 1.1), 4);
      bal.push([c.asset, units]);
      rest -= units * c.price;
    }
    // Up to three more assets besides USDC, each taking a share of the rest.
    const extra = rng.next() < 0.55 ? 0 : 1 + rng.int(3);
    for (let k = 0; k < extra && rest > 0; k++) {
      const r = rng.next();
      const pool = r < 0.45 ? this.moving : r < 0.85 ? this.stable : this.other;
      if (pool.length === 0) continue;
      const c = m.collaterals[pool[rng.int(pool.length)]!]!;
      if (bal.some(([a]) => a === c.asset)) continue;
      const part = rest * rng.uniform(0.2, 0.7);
      const units = round(part / c.price, c.price < 2 ? 2 : 6);
      if (units <= 0) continue;
      bal.push([c.asset, units]);
      rest -= units * c.price;
    }
    const usdc = round(Math.max(0, rest), 2);

    let line = `{"account_id":"synth-${i}","positions":[`;
    let first = true;
    for (const [id, size] of pos) {
      const s = round(size, 1);
      if (s === 0) continue;
      line += `${first ? '' : ','}{"instrument":"${id}","size":${s}}`;
      first = false;
    }
    if (perp !== 0) {
      line += `${first ? '' : ','}{"instrument":"${m.perpId}","size":${perp},"avg_price":${avg}}`;
    }
    line += `],"balances":{"USDC":${usdc}`;
    for (const [a, u] of bal) line += `,"${a}":${u}`;
    return `${line}}}`;
  }
}

// ---- writing -------------------------------------------------------------------------------------

export interface SynthWriteResult {
  dir: string;
  marketFile: string;
  accountsFile: string;
  manifestFile: string;
  accounts: number;
  instruments: number;
  accountsBytes: number;
  seconds: number;
}

/** Writes market.json, accounts.jsonl (streamed in ~4 MB writes) and venue.json into `dir`. */
export function writeSynthVenue(dir: string, opts: SynthOptions, onProgress?: (done: number) => void): SynthWriteResult {
  const t0 = performance.now();
  const venue = synthVenue(opts);
  mkdirSync(dir, { recursive: true });
  const marketFile = join(dir, 'market.json');
  const accountsFile = join(dir, 'accounts.jsonl');
  const manifestFile = join(dir, 'venue.json');
  writeWhole(marketFile, `${JSON.stringify(venue.market.json, null, 1)}\n`);
  writeAccountLines(accountsFile, venue.accountLines(), onProgress);
  const o = venue.options;
  const manifest = {
    generator: 'riskgrid synth',
    seed: o.seed,
    accounts: o.accounts,
    instruments: o.instruments,
    profile: typeof o.profile === 'string' ? o.profile : 'object',
    // What `riskgrid remargin` runs: pool → profile.
    pools: { default: o.profile },
    underlying: venue.market.underlying,
    timestamp: o.timestamp,
    market: 'market.json',
    accounts_file: 'accounts.jsonl',
  };
  writeWhole(manifestFile, `${JSON.stringify(manifest, null, 1)}\n`);
  return {
    dir, marketFile, accountsFile, manifestFile,
    accounts: o.accounts, instruments: o.instruments,
    accountsBytes: statSync(accountsFile).size,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Streams JSON lines into `file` in ~4 MB writes. */
export function writeAccountLines(file: string, lines: Iterable<string>, onProgress?: (done: number) => void): void {
  const fd = openSync(file, 'w');
  try {
    let chunk = '';
    let n = 0;
    for (const line of lines) {
      chunk += `${line}\n`;
      if (chunk.length >= 4 << 20) {
        writeSync(fd, chunk);
        chunk = '';
      }
      if (++n % 100_000 === 0) onProgress?.(n);
    }
    if (chunk.length > 0) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

export function writeWhole(file: string, text: string): void {
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}
