// A price history as CSV: a header `date,<U>,<U>_vol,...` then one row per day, oldest first.
// `<U>` is the underlying's index price, `<U>_vol` (optional) its at-the-money implied vol
// (decimal); any other column (e.g. `margin`) is kept by name. Dates are ISO (YYYY-MM-DD[...]).
import { RiskgridError } from '../errors.js';
import { parseCsvRecord } from '../io/csv.js';

export interface PriceHistory {
  dates: string[];
  /** UTC ms of each date. */
  times: number[];
  prices: Map<string, Float64Array>;
  vols: Map<string, Float64Array>;
  /** Other numeric columns by header name. */
  extra: Map<string, Float64Array>;
}

export function parseHistoryCsv(text: string, field = 'history'): PriceHistory {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) throw new RiskgridError('RG_ERR_PARSE', `${field}: needs a header and at least one row`, { field, value: lines.length });
  const header = parseCsvRecord(lines[0]!).map((h) => h.trim());
  if (header[0]!.toLowerCase() !== 'date') throw new RiskgridError('RG_ERR_PARSE', `${field}: the first column must be "date", got "${header[0]}"`, { field: `${field}.header[0]`, value: header[0] });
  const n = lines.length - 1;
  const cols = header.slice(1).map(() => new Float64Array(n));
  const dates: string[] = [];
  const times: number[] = [];
  for (let r = 0; r < n; r++) {
    const rec = parseCsvRecord(lines[r + 1]!);
    const where = `${field} line ${r + 2}`;
    if (rec.length !== header.length) throw new RiskgridError('RG_ERR_PARSE', `${where}: ${rec.length} fields, header has ${header.length}`, { field: where, value: rec.length });
    const t = Date.parse(rec[0]!.trim());
    if (!Number.isFinite(t)) throw new RiskgridError('RG_ERR_PARSE', `${where}: bad date "${rec[0]}"`, { field: `${where}.date`, value: rec[0] });
    if (r > 0 && !(t > times[r - 1]!)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `${where}: dates must increase (${rec[0]} after ${dates[r - 1]})`, { field: `${where}.date`, value: rec[0] });
    dates.push(rec[0]!.trim());
    times.push(t);
    for (let c = 1; c < header.length; c++) {
      const s = rec[c]!.trim();
      const v = s === '' ? NaN : Number(s);
      if (!Number.isFinite(v)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `${where}: ${header[c]} must be a finite number, got "${s}"`, { field: `${where}.${header[c]}`, value: s });
      const isPrice = !header[c]!.includes('_') && header[c] !== 'margin';
      if (isPrice && !(v > 0)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `${where}: price ${header[c]} must be > 0, got ${v}`, { field: `${where}.${header[c]}`, value: v });
      if (header[c]!.endsWith('_vol') && !(v > 0)) throw new RiskgridError('RG_ERR_INVALID_INPUT', `${where}: ${header[c]} must be > 0, got ${v}`, { field: `${where}.${header[c]}`, value: v });
      cols[c - 1]![r] = v;
    }
  }
  const prices = new Map<string, Float64Array>();
  const vols = new Map<string, Float64Array>();
  const extra = new Map<string, Float64Array>();
  header.slice(1).forEach((h, i) => {
    if (h.endsWith('_vol')) vols.set(h.slice(0, -4), cols[i]!);
    else if (/^[A-Z0-9]{1,16}$/.test(h)) prices.set(h, cols[i]!);
    else extra.set(h, cols[i]!);
  });
  return { dates, times, prices, vols, extra };
}
