// Side-by-side margin of one account under several profiles (issue 4, `riskgrid compare`): IM and
// MM per profile and what each saves against the `standard` profile when it is in the list.
import { createEngine, type AccountInput, type MarketInput } from './engine.js';
import type { SnapshotOptions } from '../market/validate.js';

export interface CompareRow {
  profile: string;
  methodology: string;
  initial_margin: number;
  maintenance_margin: number;
  equity: number;
  im_excess: number;
  /** standard's IM − this IM (positive = capital saved), when `standard` is compared too. */
  im_saving_vs_standard?: number;
}

export function compareProfiles(
  account: AccountInput,
  market: MarketInput,
  profiles: readonly (string | Record<string, unknown>)[],
  opts: { evaluator?: 'wasm' | 'ts'; snapshot?: SnapshotOptions } = {},
): CompareRow[] {
  const rows: CompareRow[] = profiles.map((profile) => {
    const engine = createEngine({ profile, ...opts });
    const r = engine.margin(account, market);
    return { profile: engine.profile.name, methodology: engine.profile.methodology, initial_margin: r.initial_margin, maintenance_margin: r.maintenance_margin, equity: r.equity, im_excess: r.im_excess };
  });
  const std = rows.find((r) => r.methodology === 'standard');
  if (std !== undefined) for (const r of rows) r.im_saving_vs_standard = std.initial_margin - r.initial_margin;
  return rows;
}

/** A plain-text table of compareProfiles rows. */
export function formatCompareTable(rows: readonly CompareRow[]): string {
  const head = ['profile', 'methodology', 'initial', 'maintenance', 'saving vs standard'];
  const fmt = (v: number | undefined): string => (v === undefined ? '' : v.toLocaleString('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 }));
  const body = rows.map((r) => [r.profile, r.methodology, fmt(r.initial_margin), fmt(r.maintenance_margin), fmt(r.im_saving_vs_standard)]);
  const width = head.map((h, k) => Math.max(h.length, ...body.map((b) => b[k]!.length)));
  const line = (cells: string[]): string => cells.map((c, k) => (k < 2 ? c.padEnd(width[k]!) : c.padStart(width[k]!))).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}
