// The risk commands end to end on temporary files: var (Monte Carlo and historical), stress,
// backtest; JSON / CSV output and the SVG charts.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBacktestCommand } from '../host/cli/backtest-command.js';
import { runStressCommand } from '../host/cli/stress-command.js';
import { runVarCommand } from '../host/cli/var-command.js';
import { EXPIRY, NOW } from './support/risk-book.js';

const dir = mkdtempSync(join(tmpdir(), 'riskgrid-risk-'));
const f = (name: string, body: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, typeof body === 'string' ? body : JSON.stringify(body));
  return p;
};
const opt = (strike: number, type: string) => ({ kind: 'option', underlying: 'ETH', quote: 'USDC', settlement: 'linear', strike, expiry: EXPIRY, option_type: type });
const market = f('market.json', {
  snapshot_id: 't', timestamp: NOW, stablecoin: { asset: 'USDC', price: 1 }, collateral: {},
  underlyings: { ETH: { index_price: 2000, perp_price: 2000, expiries: { E: { expiry: EXPIRY, forward: 2000, rate: 0, vols: { 1800: 0.7, 2000: 0.6, 2200: 0.65 } } } } },
});
const portfolio = f('pf.json', [
  { account_id: 'short-puts', positions: [{ instrument: opt(1800, 'P'), size: -50 }], balances: { USDC: 5000 } },
  { account_id: 'hedged', positions: [{ instrument: opt(2000, 'C'), size: -5 }, { instrument: 'ETH-PERPETUAL', size: 3 }], balances: { USDC: 100000 } },
  { account_id: 'sibling', positions: [], balances: { USDC: 1000 } },
]);
const model = f('model.json', { horizon_days: 10, student_t: 5, underlyings: [{ name: 'ETH', vol: 0.7, vol_of_vol: 1.5, spot_vol_corr: -0.5 }] });
const links = f('links.json', { 'short-puts': { owner: 'o' }, sibling: { owner: 'o' } });

function capture(): { out: (s: string) => void; text: () => string } {
  let buf = '';
  return { out: (s) => (buf += s), text: () => buf };
}

describe('riskgrid var', () => {
  it('Monte Carlo: venue and account figures, contagion, SVG', async () => {
    const c = capture();
    const svg = join(dir, 'var.svg');
    expect(await runVarCommand({ portfolio, market, model, scenarios: '4000', seed: '3', links, svg }, c.out)).toBe(0);
    const j = JSON.parse(c.text());
    expect(j.scenarios).toBe(4000);
    expect(j.accounts.map((a: { account: string }) => a.account)).toEqual(['short-puts', 'hedged', 'sibling']);
    expect(j.accounts[0]['var_0.99']).toBeGreaterThan(0);
    expect(j.accounts[2]['var_0.99']).toBe(0);
    expect(j.venue.worst).toHaveLength(10);
    // 50 short puts with 5,000 of collateral break in the venue's worst scenario; the sibling's 1,000 goes with them.
    expect(j.contagion.direct).toContain('short-puts');
    expect(j.contagion.contagion).toEqual(['sibling']);
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg[\s\S]*VaR 99\.0%[\s\S]*<\/svg>\n$/);
  });

  it('the same seed gives the same output; CSV one line per account', async () => {
    const a = capture();
    const b = capture();
    await runVarCommand({ portfolio, market, model, scenarios: '2000', seed: '9', format: 'csv' }, a.out);
    await runVarCommand({ portfolio, market, model, scenarios: '2000', seed: '9', format: 'csv', threads: '2' }, b.out);
    expect(b.text()).toBe(a.text());
    expect(a.text().trim().split('\n')).toHaveLength(4);
  });

  it('historical simulation from a CSV', async () => {
    const hist = f('hist.csv', 'date,ETH,ETH_vol\n2026-01-01,2000,0.6\n2026-01-02,1800,0.7\n2026-01-03,1900,0.65\n2026-01-04,2100,0.6\n');
    const c = capture();
    await runVarCommand({ portfolio, market, history: hist, horizon: '1', levels: '0.5' }, c.out);
    const j = JSON.parse(c.text());
    expect(j.scenarios).toBe(3);
    expect(j.venue.worst[0].window).toBe('2026-01-01..2026-01-02');
  });

  it('bad options fail with codes', async () => {
    await expect(runVarCommand({ portfolio, market, model, levels: '0.99,2' })).rejects.toMatchObject({ code: 'RG_ERR_INVALID_ARGUMENT', field: 'levels' });
    await expect(runVarCommand({ portfolio, market })).rejects.toMatchObject({ code: 'RG_ERR_INVALID_ARGUMENT', field: 'model' });
  });
});

describe('riskgrid stress', () => {
  it('per scenario P&L, broken accounts and contagion', async () => {
    const scen = f('stress.json', { scenarios: [{ name: 'crash', spot: { ETH: -0.4 }, vol: { ETH: 0.5 } }, { name: 'calm', spot: { ETH: 0.01 } }] });
    const c = capture();
    await runStressCommand({ portfolio, market, scenarios: scen, links }, c.out);
    const j = JSON.parse(c.text());
    expect(j.scenarios[0].scenario).toBe('crash');
    expect(j.scenarios[0].broken).toEqual(['short-puts']);
    expect(j.scenarios[0].contagion).toEqual(['sibling']);
    expect(j.scenarios[1].broken).toEqual([]);
    // The hedged account: +3 perp on a 1 % move = +60, minus the short calls' gain in value.
    expect(j.scenarios[1].accounts.hedged).toBeLessThan(60);
    expect(j.scenarios[0].venue_pnl).toBeCloseTo(j.scenarios[0].accounts['short-puts'] + j.scenarios[0].accounts.hedged, 6);
  });
});

describe('riskgrid backtest', () => {
  it('report and SVG from a history with a margin column', () => {
    const hist = f('bt.csv', 'date,ETH,ETH_vol,margin\n2026-01-01,2000,0.6,100\n2026-01-02,1900,0.6,100\n2026-01-03,1950,0.6,100\n2026-01-04,1940,0.6,100\n');
    const pf = f('bt-pf.json', { positions: [{ instrument: 'ETH-PERPETUAL', size: 1 }] });
    const c = capture();
    const svg = join(dir, 'bt.svg');
    expect(runBacktestCommand({ history: hist, portfolio: pf, horizon: '1', svg }, c.out)).toBe(0);
    const j = JSON.parse(c.text());
    expect(j.observations).toBe(3);
    expect(j.exceptions).toBe(0); // the −100 day is exactly covered
    expect(j.zone).toBe('green');
    expect(readFileSync(svg, 'utf8')).toContain('0 exceptions in 3 days');
  });
});
