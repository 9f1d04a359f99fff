// The cascade chart (SVG, the style of host/risk/svg-charts.ts): top, each underlying's index
// price per round relative to before the shock (round 0 = the shocked price); bottom, the
// notional liquidated per round (|net notional sold|, summed over underlyings), as bars.
import type { CascadeResult } from './cascade.js';

const W = 800;
const H = 520;
const M = { l: 70, r: 20, t: 44, b: 40 };
const GAP = 50;
const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const fmt = (v: number): string => (Math.abs(v) >= 1e9 ? `${(v / 1e9).toFixed(2)}B` : Math.abs(v) >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : Math.abs(v) >= 1e3 ? `${(v / 1e3).toFixed(1)}k` : v.toFixed(2));

export function cascadeSvg(r: CascadeResult, title: string): string {
  const unds = Object.keys(r.totals.price_start).sort();
  const n = r.rounds.length;
  const pw = W - M.l - M.r;
  const ph = (H - M.t - M.b - GAP) / 2;
  const x = (k: number): number => M.l + (n === 0 ? pw / 2 : (k / n) * pw);
  // Price panel: % of the pre-shock index, rounds 0..n.
  const rel = unds.map((u) => [r.shock.price[u]!, ...r.rounds.map((x) => x.price_after[u]!)].map((p) => (100 * p) / r.totals.price_start[u]!));
  let lo = Infinity, hi = -Infinity;
  for (const s of rel) for (const v of s) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  lo = Math.min(lo, 100);
  hi = Math.max(hi, 100);
  if (!(hi > lo)) hi = lo + 1;
  const yP = (v: number): number => M.t + ph - ((v - lo) / (hi - lo)) * ph;
  const parts: string[] = [];
  parts.push(`<line x1="${M.l}" y1="${M.t + ph}" x2="${W - M.r}" y2="${M.t + ph}" stroke="black"/>`);
  parts.push(`<line x1="${M.l}" y1="${M.t}" x2="${M.l}" y2="${M.t + ph}" stroke="black"/>`);
  parts.push(`<line x1="${M.l}" y1="${yP(100).toFixed(1)}" x2="${W - M.r}" y2="${yP(100).toFixed(1)}" stroke="#bbbbbb" stroke-dasharray="4 4"/>`);
  unds.forEach((_u, k) => {
    const c = COLOURS[k % COLOURS.length]!;
    const d = rel[k]!.map((v, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${yP(v).toFixed(1)}`).join('');
    parts.push(`<path d="${d}" fill="none" stroke="${c}" stroke-width="2"/>`);
    rel[k]!.forEach((v, i) => parts.push(`<circle cx="${x(i).toFixed(1)}" cy="${yP(v).toFixed(1)}" r="2.5" fill="${c}"/>`));
  });
  // The legend sits above the panel, clear of the lines (the final price of each, % of pre-shock).
  const legend = unds.map((u, k) => `<tspan fill="${COLOURS[k % COLOURS.length]!}">— ${esc(u)} ${rel[k]![rel[k]!.length - 1]!.toFixed(2)}%</tspan>`).join('  ');
  parts.push(`<text x="${W - M.r}" y="${M.t - 10}" font-size="11" text-anchor="end">${legend}</text>`);
  for (const v of [lo, (lo + hi) / 2, hi]) parts.push(`<text x="${M.l - 6}" y="${yP(v).toFixed(1)}" font-size="11" text-anchor="end">${v.toFixed(1)}%</text>`);
  parts.push(`<text x="14" y="${M.t + ph / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 14 ${M.t + ph / 2})">index, % of pre-shock</text>`);
  // Volume panel: bars at rounds 1..n.
  const top2 = M.t + ph + GAP;
  const vol = r.rounds.map((x) => unds.reduce((a, u) => a + Math.abs(x.notional_sold[u] ?? 0), 0));
  const vmax = Math.max(1, ...vol);
  const yV = (v: number): number => top2 + ph - (v / vmax) * ph;
  const bw = Math.max(2, (pw / Math.max(1, n)) * 0.6);
  parts.push(`<line x1="${M.l}" y1="${top2 + ph}" x2="${W - M.r}" y2="${top2 + ph}" stroke="black"/>`);
  parts.push(`<line x1="${M.l}" y1="${top2}" x2="${M.l}" y2="${top2 + ph}" stroke="black"/>`);
  vol.forEach((v, i) => {
    const cx = x(i + 1);
    parts.push(`<rect x="${(cx - bw / 2).toFixed(1)}" y="${yV(v).toFixed(1)}" width="${bw.toFixed(1)}" height="${(top2 + ph - yV(v)).toFixed(1)}" fill="#6a8caf"/>`);
    parts.push(`<text x="${cx.toFixed(1)}" y="${(yV(v) - 4).toFixed(1)}" font-size="10" text-anchor="middle">${r.rounds[i]!.liquidated}</text>`);
  });
  for (const f of [0, 0.5, 1]) parts.push(`<text x="${M.l - 6}" y="${yV(f * vmax).toFixed(1)}" font-size="11" text-anchor="end">${fmt(f * vmax)}</text>`);
  parts.push(`<text x="14" y="${top2 + ph / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 14 ${top2 + ph / 2})">notional liquidated (USD)</text>`);
  parts.push(`<text x="${W - M.r}" y="${top2 + 12}" font-size="11" text-anchor="end">bar labels: accounts liquidated</text>`);
  for (let k = 0; k <= n; k++) parts.push(`<text x="${x(k).toFixed(1)}" y="${H - M.b + 16}" font-size="11" text-anchor="middle">${k}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">
<rect width="${W}" height="${H}" fill="white"/>
<text x="${W / 2}" y="18" font-size="14" text-anchor="middle">${esc(title)}</text>
<text x="${W / 2}" y="${H - 6}" font-size="12" text-anchor="middle">round (0 = the shock)</text>
${parts.join('\n')}
</svg>
`;
}
