// Hand-written SVG charts: a P&L histogram with VaR and ES marked, and backtest margin vs realised
// loss over time with the exceptions marked. Plain strings; no dependencies.
import type { BacktestDay } from './backtest.js';
import type { TailFigures } from './tail-stats.js';

const W = 800;
const H = 400;
const M = { l: 70, r: 20, t: 30, b: 40 };
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const fmt = (v: number): string => (Math.abs(v) >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : Math.abs(v) >= 1e3 ? `${(v / 1e3).toFixed(1)}k` : v.toFixed(2));

export function pnlHistogramSvg(pnl: Float64Array, tail: readonly TailFigures[], title: string, bins = 60): string {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of pnl) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > lo)) hi = lo + 1;
  const counts = new Array<number>(bins).fill(0);
  for (const v of pnl) counts[Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins))]!++;
  const cmax = Math.max(...counts);
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const x = (v: number): number => M.l + ((v - lo) / (hi - lo)) * pw;
  const parts: string[] = [];
  counts.forEach((c, i) => {
    const h = (c / cmax) * ph;
    parts.push(`<rect x="${(M.l + (i * pw) / bins).toFixed(1)}" y="${(M.t + ph - h).toFixed(1)}" width="${(pw / bins - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="#6a8caf"/>`);
  });
  const colours = ['#d62728', '#9467bd', '#ff7f0e', '#8c564b'];
  tail.forEach((t, k) => {
    const c = colours[k % colours.length]!;
    for (const [name, v, dash] of [['VaR', -t.var, ''], ['ES', -t.es, ' stroke-dasharray="6 4"']] as const) {
      const xv = x(v).toFixed(1);
      parts.push(`<line x1="${xv}" y1="${M.t}" x2="${xv}" y2="${M.t + ph}" stroke="${c}" stroke-width="2"${dash}/>`);
      // The legend sits in the top-right corner, clear of the tail the lines mark.
      const dashNote = name === 'ES' ? ' (dashed)' : '';
      parts.push(`<text x="${W - M.r}" y="${M.t + 12 + 14 * (2 * k + (name === 'ES' ? 1 : 0))}" font-size="11" fill="${c}" text-anchor="end">${name} ${(t.level * 100).toFixed(1)}% = ${fmt(name === 'VaR' ? t.var : t.es)}${dashNote}</text>`);
    }
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => lo + f * (hi - lo));
  for (const v of ticks) parts.push(`<text x="${x(v).toFixed(1)}" y="${H - M.b + 16}" font-size="11" text-anchor="middle">${fmt(v)}</text>`);
  return frame(title, `P&L (${pnl.length} scenarios)`, 'scenarios', parts.join('\n'));
}

export function backtestSvg(days: readonly BacktestDay[], title: string): string {
  const n = days.length;
  let top = 0;
  for (const d of days) top = Math.max(top, d.margin, -d.pnl);
  if (!(top > 0)) top = 1;
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const x = (i: number): number => M.l + (n <= 1 ? 0 : (i / (n - 1)) * pw);
  const y = (v: number): number => M.t + ph - (Math.max(0, v) / top) * ph;
  const marginPath = days.map((d, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(d.margin).toFixed(1)}`).join('');
  const parts = [`<path d="${marginPath}" fill="none" stroke="#1f77b4" stroke-width="1.5"/>`];
  days.forEach((d, i) => {
    const loss = -d.pnl;
    if (loss <= 0) return;
    const exc = loss > d.margin;
    parts.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(loss).toFixed(1)}" r="${exc ? 4 : 1.5}" fill="${exc ? '#d62728' : '#7f7f7f'}"/>`);
  });
  for (const f of [0, 0.5, 1]) parts.push(`<text x="${M.l - 6}" y="${y(f * top).toFixed(1)}" font-size="11" text-anchor="end">${fmt(f * top)}</text>`);
  if (n > 0) {
    parts.push(`<text x="${M.l}" y="${H - M.b + 16}" font-size="11">${esc(days[0]!.date)}</text>`);
    parts.push(`<text x="${W - M.r}" y="${H - M.b + 16}" font-size="11" text-anchor="end">${esc(days[n - 1]!.date)}</text>`);
  }
  parts.push(`<text x="${W - M.r}" y="${M.t - 8}" font-size="11" text-anchor="end"><tspan fill="#1f77b4">— margin</tspan>  <tspan fill="#7f7f7f">● loss</tspan>  <tspan fill="#d62728">● exception</tspan></text>`);
  return frame(title, 'date', 'loss / margin', parts.join('\n'));
}

function frame(title: string, xLabel: string, yLabel: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">
<rect width="${W}" height="${H}" fill="white"/>
<text x="${W / 2}" y="18" font-size="14" text-anchor="middle">${esc(title)}</text>
<line x1="${M.l}" y1="${H - M.b}" x2="${W - M.r}" y2="${H - M.b}" stroke="black"/>
<line x1="${M.l}" y1="${M.t}" x2="${M.l}" y2="${H - M.b}" stroke="black"/>
<text x="${W / 2}" y="${H - 6}" font-size="12" text-anchor="middle">${esc(xLabel)}</text>
<text x="14" y="${H / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 14 ${H / 2})">${esc(yLabel)}</text>
${body}
</svg>
`;
}
