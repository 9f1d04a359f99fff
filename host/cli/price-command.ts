// `riskgrid price` and `riskgrid iv`: option rows in (CSV or JSON Lines), the same rows out, in the
// same order, with price and Greeks (price) or implied vol and status (iv) added.
// Fields: model (bsm | black76), type (C | P), S, K, T (years), vol, r, q (decimals; q may be
// empty for black76, where S is the forward and df = e^{−rT}); iv reads price instead of vol.
// Units: vega and volga per 1.00 vol, theta per year, rho per 1.00 rate (black76: forward fixed).
// A row that cannot be priced gets an `error` naming the field and value; the others are still
// priced. Exit code: 0 all rows fine, 1 some row failed, 2 the input could not be read at all.
// Rows are processed in batches through the WebAssembly kernels, so large files stream.
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { ERROR_CODES, RiskgridError } from '../errors.js';
import { loadWasmSync } from '../wasm/loader.js';
import { createPricer, omegaOf, type Pricer } from '../price/pricer.js';
import { statusInfo, STATUS, type PricingModel } from '../price/status.js';
import { impliedVolBatch } from '../price/implied-vol.js';
import { formatFromPath, openTable, parseFormat, TableWriter, type InputRecord, type TableFormat } from '../io/table.js';

export type TableCommand = 'price' | 'iv';

export interface TableCommandOptions {
  /** Input file; '-' or undefined for stdin. */
  in?: string;
  /** Output format (default: the input's). */
  format?: string;
}

export interface Streams {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const GREEK_COLUMNS = ['price', 'delta', 'gamma', 'vega', 'theta', 'rho', 'vanna', 'volga'] as const;
const IV_COLUMNS = ['iv', 'status'] as const;
const NUMERIC_FIELDS = new Set(['S', 'K', 'T', 'vol', 'r', 'q', 'price']);
const BATCH = 4096;

/** A row ready for the kernels, or the reason it is not. */
interface Row {
  model: PricingModel;
  omega: number;
  S: number;
  K: number;
  T: number;
  vol: number; // price command
  r: number;
  q: number; // 0 for black76
  price: number; // iv command
}

class RowError extends Error {}

const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

function num(fields: Record<string, unknown>, name: string, required: boolean): number {
  const v = fields[name];
  const s = typeof v === 'string' ? v.trim() : v;
  if (s === undefined || s === null || s === '') {
    if (required) throw new RowError(`RG_ERR_INVALID_INPUT: ${name} is missing`);
    return 0;
  }
  if (typeof s === 'number') return s;
  if (typeof s === 'string' && NUMBER_RE.test(s)) return Number(s);
  throw new RowError(`RG_ERR_INVALID_INPUT: ${name} = ${show(v)} is not a number`);
}

function parseRow(fields: Record<string, unknown>, cmd: TableCommand): Row {
  const m = typeof fields.model === 'string' ? fields.model.trim().toLowerCase() : fields.model;
  if (m !== 'bsm' && m !== 'black76') throw new RowError(`RG_ERR_INVALID_INPUT: model = ${show(fields.model)} must be bsm or black76`);
  const omega = omegaOf(typeof fields.type === 'string' ? fields.type.trim() : fields.type);
  if (omega === undefined) throw new RowError(`RG_ERR_INVALID_INPUT: type = ${show(fields.type)} must be C or P`);
  return {
    model: m,
    omega,
    S: num(fields, 'S', true),
    K: num(fields, 'K', true),
    T: num(fields, 'T', true),
    vol: cmd === 'price' ? num(fields, 'vol', true) : 0,
    r: num(fields, 'r', true),
    q: num(fields, 'q', m === 'bsm'),
    price: cmd === 'iv' ? num(fields, 'price', true) : 0,
  };
}

const REASON: Record<number, [price: string, iv: string]> = {
  1: ['must be finite and >= 0', 'must be finite and > 0'],
  2: ['must be finite and >= 0', 'must be finite and > 0'],
  3: ['must be finite', 'must be finite and > 0'],
  4: ['must be finite and >= 0', 'must be finite and >= 0'],
  5: ['must be finite (discount factor e^(-rT) > 0)', 'must be finite (discount factor e^(-rT) > 0)'],
  6: ['must be C or P', 'must be C or P'],
  7: ['must be finite', 'must be finite'],
  8: ['must be finite', 'must be finite'],
  9: ['must be finite and >= 0', 'must be finite and >= 0'],
  10: ['', 'is below the discounted intrinsic value: no implied volatility'],
  11: ['', 'is at or above the no-arbitrage maximum (F·df for calls, K·df for puts): no implied volatility'],
  12: ['', 'implied volatility iteration did not converge'],
};

/** Error text for a kernel status, naming the field as the user wrote it and its value. */
function statusError(status: number, row: Row, cmd: TableCommand): string {
  const info = statusInfo(status, row.model) ?? { code: 'RG_ERR_KERNEL' as const, field: 'status' };
  // black76 rows give r, the kernel sees df = e^{−rT}; F is the row's S.
  const field = info.field === 'df' ? 'r' : info.field === 'F' ? 'S' : info.field;
  const value = field === 'type' ? (row.omega === 1 ? 'C' : 'P') : (row as unknown as Record<string, number>)[field];
  const reason = REASON[status]?.[cmd === 'iv' ? 1 : 0] || ERROR_CODES[info.code];
  return `${info.code}: ${field} = ${String(value)} ${reason}`;
}

interface Item {
  record: InputRecord;
  row?: Row;
  error?: string;
  out?: Record<string, number | string>;
}

function priceItems(pricer: Pricer, items: Item[]): void {
  for (const model of ['black76', 'bsm'] as const) {
    const rows = items.filter((it) => it.row?.model === model);
    if (rows.length === 0) continue;
    const col = (f: (r: Row) => number): Float64Array => Float64Array.from(rows, (it) => f(it.row!));
    const K = col((r) => r.K), T = col((r) => r.T), vol = col((r) => r.vol), omega = col((r) => r.omega);
    const res = model === 'black76'
      ? pricer.greeksBatch({ model, F: col((r) => r.S), K, T, vol, omega, df: col((r) => Math.exp(-r.r * r.T)) })
      : pricer.greeksBatch({ model, S: col((r) => r.S), K, T, vol, omega, r: col((r) => r.r), q: col((r) => r.q) });
    rows.forEach((it, i) => {
      const st = res.status[i]!;
      if (st !== STATUS.OK) {
        it.error = statusError(st, it.row!, 'price');
        return;
      }
      const out: Record<string, number> = {};
      for (const g of GREEK_COLUMNS) out[g] = res[g][i]!;
      it.out = out;
    });
  }
}

function ivItems(items: Item[]): void {
  for (const model of ['black76', 'bsm'] as const) {
    const rows = items.filter((it) => it.row?.model === model);
    if (rows.length === 0) continue;
    const col = (f: (r: Row) => number): Float64Array => Float64Array.from(rows, (it) => f(it.row!));
    const K = col((r) => r.K), T = col((r) => r.T), price = col((r) => r.price), type = col((r) => r.omega);
    const res = model === 'black76'
      ? impliedVolBatch({ model, F: col((r) => r.S), K, T, price, type, df: col((r) => Math.exp(-r.r * r.T)) })
      : impliedVolBatch({ model, S: col((r) => r.S), K, T, price, type, r: col((r) => r.r), q: col((r) => r.q) });
    rows.forEach((it, i) => {
      const st = res.status[i]!;
      if (st === STATUS.OK) it.out = { iv: res.iv[i]!, status: 'OK' };
      else {
        it.error = statusError(st, it.row!, 'iv');
        it.out = { status: statusInfo(st, model)!.code };
      }
    });
  }
}

/** The output record: input fields (numbers as numbers when writing JSON from CSV), then ours. */
function outputRecord(it: Item, cmd: TableCommand, inFormat: TableFormat, outFormat: TableFormat): Record<string, unknown> {
  const rec: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(it.record.fields)) {
    rec[k] = inFormat === 'csv' && outFormat === 'jsonl' && NUMERIC_FIELDS.has(k) && typeof v === 'string' && NUMBER_RE.test(v.trim()) ? Number(v) : v;
  }
  const added = cmd === 'price' ? GREEK_COLUMNS : IV_COLUMNS;
  for (const c of added) {
    const v = it.out?.[c];
    if (v !== undefined) rec[c] = v;
    else if (outFormat === 'csv') rec[c] = '';
    else delete rec[c]; // a failed row carries no stale input value under an output name
  }
  if (cmd === 'iv' && it.out === undefined && it.error !== undefined) rec.status = it.error.slice(0, it.error.indexOf(':'));
  if (it.error !== undefined) rec.error = it.error;
  else if (outFormat === 'csv') rec.error = '';
  return rec;
}

function lines(path: string | undefined, stdin: NodeJS.ReadableStream): AsyncIterable<string> {
  let input: NodeJS.ReadableStream = stdin;
  if (path !== undefined && path !== '-') {
    try {
      if (!statSync(path).isFile()) throw new Error('not a file');
    } catch (e) {
      throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `cannot read ${path}: ${(e as Error).message}`, { field: 'in', value: path });
    }
    input = createReadStream(path, { encoding: 'utf8' });
  }
  return createInterface({ input, crlfDelay: Infinity });
}

/** Runs `price` or `iv`; resolves to the exit code. */
export async function runTableCommand(cmd: TableCommand, opts: TableCommandOptions, io: Streams = process): Promise<number> {
  try {
    const outFormat = opts.format === undefined ? undefined : parseFormat(opts.format);
    const table = await openTable(lines(opts.in, io.stdin), formatFromPath(opts.in));
    const format = outFormat ?? table.format;
    const added: string[] = cmd === 'price' ? [...GREEK_COLUMNS] : [...IV_COLUMNS];
    if (table.header !== undefined && table.header.length > 0) {
      const needed = cmd === 'price' ? ['model', 'type', 'S', 'K', 'T', 'vol', 'r'] : ['model', 'type', 'S', 'K', 'T', 'price', 'r'];
      const missing = needed.filter((f) => !table.header!.includes(f));
      if (missing.length > 0) throw new RiskgridError('RG_ERR_INVALID_INPUT', `CSV header lacks column ${missing.join(', ')}`, { field: missing[0], value: table.header.join(',') });
    }
    const csvColumns = (first: Record<string, unknown>): string[] => {
      const base = table.header ?? Object.keys(first);
      return [...base.filter((c) => !added.includes(c) && c !== 'error'), ...added, 'error'];
    };
    let writer: TableWriter | undefined;
    const pricer = cmd === 'price' ? createPricer(loadWasmSync()) : undefined;
    let failed = 0;
    let batch: Item[] = [];
    const flush = async (): Promise<void> => {
      if (pricer !== undefined) priceItems(pricer, batch);
      else ivItems(batch);
      for (const it of batch) {
        if (it.error !== undefined) failed++;
        const rec = outputRecord(it, cmd, table.format, format);
        writer ??= new TableWriter(io.stdout, format, format === 'csv' ? csvColumns(it.record.fields) : undefined);
        writer.add(rec);
      }
      batch = [];
      await writer?.flush();
    };
    for await (const record of table.records) {
      const it: Item = { record };
      if (record.error !== undefined) it.error = `${record.error.code}: ${record.error.message}`;
      else {
        try {
          it.row = parseRow(record.fields, cmd);
        } catch (e) {
          if (!(e instanceof RowError)) throw e;
          it.error = e.message;
        }
      }
      batch.push(it);
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    writer ??= format === 'csv' && table.header !== undefined ? new TableWriter(io.stdout, format, csvColumns({})) : undefined;
    await writer?.end();
    if (failed > 0) io.stderr.write(`riskgrid ${cmd}: ${failed} row(s) failed; see the error field\n`);
    return failed > 0 ? 1 : 0;
  } catch (e) {
    const msg = e instanceof RiskgridError ? `${e.code}: ${e.message}` : String((e as Error)?.stack ?? e);
    io.stderr.write(`riskgrid ${cmd}: ${msg}\n`);
    return 2;
  }
}
