// The risk page: inputs → engine (WebAssembly, in this tab) → figures, breakdown, heatmap, P&L
// curve, Greeks and a what-if box. A failed computation shows its RG_ERR code and leaves the last
// good result on screen. Full-precision numbers sit in data-value attributes (the e2e test reads
// them); timings go to window.__riskgrid for the same reason.
import { createBrowserEngine, ENGINE_VERSION, loadWasm, RiskgridError, type Engine, type MarginResult, type RiskgridWasm, type Variant } from '../host/browser.js';
import { Charts } from './charts.js';
import { DEMOS, PROFILES } from './demos.js';
import { pnlCurve, spotFactors, type PnlCurve } from './pnl-curve.js';

type Json = Record<string, unknown>;

interface Good {
  engine: Engine;
  portfolio: Json;
  market: Json;
  result: MarginResult;
}

const state = {
  variant: 'simd' as Variant,
  /** The instance loaded at start-up, handed to the first engine (each engine owns its memory). */
  spareWasm: undefined as RiskgridWasm | undefined,
  engines: new Map<string, Engine>(),
  good: undefined as Good | undefined,
  timings: { scriptStartMs: performance.now(), wasmMs: NaN, firstMarginMs: NaN, lastMarginMs: NaN, pnlCurveMs: NaN, whatIfMs: [] as number[] },
  computations: 0,
  curve: undefined as PnlCurve | undefined,
};
(globalThis as unknown as { __riskgrid: unknown }).__riskgrid = state;

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
const charts = new Charts($('heatmap'), $('pnl-chart'));

function n2(v: number): string {
  return v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}
function sig(v: number): string {
  return Math.abs(v) >= 1000 || v === 0 ? n2(v) : v.toPrecision(5);
}
/** A number cell: rounded for reading, the exact value in data-value and the tooltip. */
function numCell(v: number, f: (x: number) => string = n2): string {
  const cls = v < 0 ? ' class="neg"' : '';
  return `<td data-value="${String(v)}" title="${String(v)}"${cls}>${f(v)}</td>`;
}
function setNum(id: string, v: number): void {
  const el = $(id);
  el.dataset.value = String(v);
  el.title = String(v);
  el.textContent = n2(v);
}
function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

function asRiskgridError(e: unknown): RiskgridError {
  return e instanceof RiskgridError ? e : new RiskgridError('RG_ERR_KERNEL', `unexpected failure: ${(e as Error)?.message ?? String(e)}`);
}

function showError(id: string, e: unknown | undefined): void {
  const el = $(id);
  if (e === undefined) {
    el.hidden = true;
    el.textContent = '';
    delete el.dataset.code;
    return;
  }
  const err = asRiskgridError(e);
  el.dataset.code = err.code;
  el.innerHTML = `<code>${esc(err.code)}</code> ${esc(err.message)}${state.good ? ' <span class="muted">— showing the last good result.</span>' : ''}`;
  el.hidden = false;
}

function parseJson(text: string, field: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    throw new RiskgridError('RG_ERR_PARSE', `${field}: not valid JSON: ${(e as Error).message}`, { field, value: text.slice(0, 40) });
  }
}

async function engineFor(name: string): Promise<Engine> {
  let e = state.engines.get(name);
  if (e === undefined) {
    const profile = PROFILES[name];
    if (profile === undefined) throw new RiskgridError('RG_ERR_PROFILE', `unknown profile ${name}`, { field: 'profile', value: name });
    const t0 = performance.now();
    const wasm = state.spareWasm;
    state.spareWasm = undefined;
    e = await createBrowserEngine({ profile, load: { variant: state.variant }, ...(wasm === undefined ? {} : { wasm }) });
    if (Number.isNaN(state.timings.wasmMs)) state.timings.wasmMs = performance.now() - t0;
    state.engines.set(name, e);
  }
  return e;
}

async function compute(): Promise<void> {
  showError('error', undefined);
  let good: Good;
  try {
    const portfolio = parseJson($<HTMLTextAreaElement>('portfolio').value, 'portfolio');
    const market = parseJson($<HTMLTextAreaElement>('market').value, 'market');
    const engine = await engineFor($<HTMLSelectElement>('profile').value);
    const result = engine.margin(portfolio, market);
    good = { engine, portfolio, market, result };
  } catch (e) {
    showError('error', e);
    return;
  }
  state.good = good;
  renderFigures(good.result);
  const shown = performance.now();
  state.timings.lastMarginMs = shown;
  if (Number.isNaN(state.timings.firstMarginMs)) state.timings.firstMarginMs = shown; // ms since navigation start
  renderDetail(good.result);
  state.computations++;
  $('whatif-result').innerHTML = '';
  $('whatif-time').textContent = '';
  showError('whatif-error', undefined);
  // The margin is on screen; the P&L curve (one valuation per grid point) follows.
  setTimeout(() => renderPnl(good), 0);
  renderTimings();
}

function renderFigures(r: MarginResult): void {
  setNum('im', r.initial_margin);
  setNum('mm', r.maintenance_margin);
  setNum('equity', r.equity);
  setNum('im-excess', r.im_excess);
  setNum('mm-excess', r.mm_excess);
  $('result-meta').textContent = `${r.margin_currency} · ${r.profile} · ${r.account_id}`;
}

function renderDetail(r: MarginResult): void {
  const b = r.breakdown;
  const rows: string[] = [`<tr><th>Item</th><th>${esc(r.margin_currency)}</th></tr>`];
  rows.push(`<tr><td>Scenario loss (worst: ${esc(r.worst_scenario.label)})</td>${numCell(b.scenario_loss)}</tr>`);
  rows.push(`<tr><td>Loss factor MM / IM</td><td>${b.mm_loss_factor} / ${b.im_loss_factor}</td></tr>`);
  for (const [k, v] of Object.entries(b.contingencies)) rows.push(`<tr><td>Contingency ${esc(k)}</td>${numCell(v)}</tr>`);
  for (const [k, v] of Object.entries(b.equity_parts)) rows.push(`<tr><td>Equity: ${esc(k)}</td>${numCell(v)}</tr>`);
  $('breakdown').innerHTML = rows.join('');
  const w = r.worst_scenario;
  $('worst').textContent = r.scenarios.length ? `worst: ${w.label}, ${n2(w.pnl)} ${r.margin_currency}` : 'this profile has no scenario grid';
  charts.showHeatmap(r);
  renderGreeks(r);
}

function renderGreeks(r: MarginResult): void {
  const head = '<tr><th>Position</th><th>Size</th><th>Value</th><th>Delta</th><th>Gamma</th><th>Vega</th><th>Theta/day</th></tr>';
  const rows = r.greeks.positions.map(
    (p) => `<tr><td>${esc(p.instrument)}</td>${numCell(p.size, sig)}${numCell(p.value)}${numCell(p.delta, sig)}${numCell(p.gamma, sig)}${numCell(p.vega)}${numCell(p.theta_per_day)}</tr>`,
  );
  const totals = Object.entries(r.greeks.totals).map(
    ([u, g]) => `<tr class="total"><td>Total ${esc(u)}</td><td></td><td></td>${numCell(g.delta, sig)}${numCell(g.gamma, sig)}${numCell(g.vega)}${numCell(g.theta_per_day)}</tr>`,
  );
  $('greeks').innerHTML = head + rows.join('') + totals.join('');
}

function renderPnl(g: Good): void {
  if (state.good !== g) return; // superseded
  const underlying = Object.keys(g.result.greeks.totals)[0];
  if (underlying === undefined || (g.market.underlyings as Json | undefined)?.[underlying] === undefined) return;
  const t0 = performance.now();
  try {
    const curve = pnlCurve(g.engine, g.portfolio, g.market, g.result, underlying, spotFactors(0.4, 41));
    state.curve = curve;
    charts.showPnl(curve, g.result.margin_currency);
    $('pnl-meta').textContent = `${underlying}, ±40 % (vols by strike unchanged; at expiry: option payoffs)`;
  } catch (e) {
    $('pnl-meta').textContent = `curve unavailable: ${asRiskgridError(e).code}`;
  }
  state.timings.pnlCurveMs = performance.now() - t0;
  renderTimings();
}

function whatIf(): void {
  showError('whatif-error', undefined);
  const g = state.good;
  if (g === undefined) return showError('whatif-error', new RiskgridError('RG_ERR_INVALID_ARGUMENT', 'compute a margin first'));
  const t0 = performance.now();
  let w;
  try {
    const trades = parseJson($<HTMLTextAreaElement>('whatif-trades').value, 'trades');
    w = g.engine.whatIf(g.portfolio, g.market, trades);
  } catch (e) {
    showError('whatif-error', e);
    return;
  }
  const rows = ['<tr><th></th><th>Before</th><th>Change</th><th>After</th></tr>'];
  const line = (label: string, key: 'initial_margin' | 'maintenance_margin' | 'equity' | 'im_excess' | 'mm_excess'): string =>
    `<tr data-key="${key}"><td>${label}</td>${numCell(w.before[key])}${numCell(w.change[key])}${numCell(w.after[key])}</tr>`;
  rows.push(line('Initial margin', 'initial_margin'), line('Maintenance margin', 'maintenance_margin'), line('Equity', 'equity'), line('IM excess', 'im_excess'), line('MM excess', 'mm_excess'));
  $('whatif-result').innerHTML = rows.join('');
  const ms = performance.now() - t0;
  state.timings.whatIfMs.push(ms);
  $('whatif-time').textContent = `recomputed in ${ms.toFixed(1)} ms`;
  renderTimings();
}

function renderTimings(): void {
  const t = state.timings;
  const f = (v: number): string => (Number.isNaN(v) ? '–' : `${v.toFixed(1)} ms`);
  $('timings').textContent = `first margin shown ${f(t.firstMarginMs)} after navigation start · WebAssembly load ${f(t.wasmMs)} · P&L curve ${f(t.pnlCurveMs)} · last what-if ${f(t.whatIfMs.at(-1) ?? NaN)}`;
}

async function readFile(input: HTMLInputElement, target: string): Promise<void> {
  const file = input.files?.[0];
  if (file === undefined) return;
  $<HTMLTextAreaElement>(target).value = await file.text();
  await compute();
}

function loadDemo(key: string): void {
  const d = DEMOS[key]!;
  $<HTMLTextAreaElement>('portfolio').value = JSON.stringify(d.portfolio, null, 2);
  $<HTMLTextAreaElement>('market').value = JSON.stringify(d.market, null, 2);
  $<HTMLSelectElement>('profile').value = d.profile;
  $<HTMLTextAreaElement>('whatif-trades').value = JSON.stringify(d.whatIf);
  $<HTMLInputElement>('portfolio-file').value = ''; // no longer what the box holds
  $<HTMLInputElement>('market-file').value = '';
}

async function main(): Promise<void> {
  const q = new URLSearchParams(location.search);
  const forced = q.get('variant');
  const wasm = await loadWasm(forced === 'scalar' || forced === 'simd' ? { variant: forced } : {});
  state.variant = wasm.variant;
  state.spareWasm = wasm;
  $('engine-info').textContent = `engine ${ENGINE_VERSION}, ${wasm.variant} WebAssembly`;
  $('engine-info').dataset.variant = wasm.variant;
  $<HTMLSelectElement>('profile').innerHTML = Object.keys(PROFILES).map((p) => `<option value="${p}">${p}</option>`).join('');
  $<HTMLSelectElement>('demo').innerHTML = Object.entries(DEMOS).map(([k, d]) => `<option value="${k}">${esc(d.label)}</option>`).join('');
  $('demo').addEventListener('change', () => {
    loadDemo($<HTMLSelectElement>('demo').value);
    void compute();
  });
  $('profile').addEventListener('change', () => void compute());
  $('compute').addEventListener('click', () => void compute());
  $('whatif-run').addEventListener('click', whatIf);
  $('portfolio-file').addEventListener('change', (e) => void readFile(e.target as HTMLInputElement, 'portfolio'));
  $('market-file').addEventListener('change', (e) => void readFile(e.target as HTMLInputElement, 'market'));
  loadDemo(q.get('demo') ?? 'eth');
  $<HTMLSelectElement>('demo').value = q.get('demo') ?? 'eth';
  await compute();
  document.body.dataset.ready = 'true';
}

main().catch((e: unknown) => {
  showError('error', e);
  document.body.dataset.ready = 'error';
});
