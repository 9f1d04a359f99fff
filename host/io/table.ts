// Reading and writing record tables as CSV (header row) or JSON Lines, streaming line by line.
// The format is taken from the file extension, else from the content (a first non-blank line
// starting with `{` is JSON Lines). A record that cannot be parsed becomes an error record in
// its place, so outputs keep the input's rows and order.
import { RiskgridError } from '../errors.js';
import { CsvRecordAssembler, csvLine, parseCsvRecord } from './csv.js';
import { jsonlLine, parseJsonlRecord } from './jsonl.js';

export type TableFormat = 'csv' | 'jsonl';

export interface InputRecord {
  /** 1-based line number where the record starts. */
  line: number;
  /** Fields by column name: strings from CSV, any JSON value from JSON Lines. */
  fields: Record<string, unknown>;
  /** Set when the record itself could not be read; fields is then empty. */
  error?: RiskgridError;
}

export interface Table {
  format: TableFormat;
  /** CSV column names (undefined for JSON Lines). */
  header: string[] | undefined;
  records: AsyncGenerator<InputRecord>;
}

export function formatFromPath(path: string | undefined): TableFormat | undefined {
  const p = (path ?? '').toLowerCase();
  if (p.endsWith('.csv')) return 'csv';
  if (p.endsWith('.jsonl') || p.endsWith('.ndjson') || p.endsWith('.json')) return 'jsonl';
  return undefined;
}

export function parseFormat(v: unknown): TableFormat {
  if (v === 'csv' || v === 'jsonl') return v;
  throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `--format must be csv or jsonl, got ${String(v)}`, { field: 'format', value: v });
}

/** Opens a table over a stream of lines (no line terminators). `hint` overrides detection. */
export async function openTable(lines: AsyncIterable<string>, hint?: TableFormat): Promise<Table> {
  const it = lines[Symbol.asyncIterator]();
  let lineNo = 0;
  let first: string | undefined;
  for (;;) {
    const r = await it.next();
    if (r.done) break;
    lineNo++;
    const l = lineNo === 1 ? r.value.replace(/^\uFEFF/, '') : r.value;
    if (l.trim() !== '') {
      first = l;
      break;
    }
  }
  const format: TableFormat = hint ?? (first !== undefined && first.trimStart().startsWith('{') ? 'jsonl' : 'csv');
  if (format === 'jsonl') return { format, header: undefined, records: jsonlRecords(it, first, lineNo) };
  if (first === undefined) return { format, header: [], records: (async function* () {})() };
  let header: string[];
  try {
    header = parseCsvRecord(first).map((h) => h.trim());
  } catch (e) {
    throw new RiskgridError('RG_ERR_PARSE', `CSV header: ${(e as Error).message}`, { field: 'header', value: first });
  }
  return { format, header, records: csvRecords(it, header, lineNo) };
}

async function* jsonlRecords(it: AsyncIterator<string>, first: string | undefined, firstNo: number): AsyncGenerator<InputRecord> {
  let lineNo = firstNo;
  let line = first;
  while (line !== undefined) {
    if (line.trim() !== '') {
      try {
        yield { line: lineNo, fields: parseJsonlRecord(line, lineNo) };
      } catch (e) {
        yield { line: lineNo, fields: {}, error: e as RiskgridError };
      }
    }
    const r = await it.next();
    if (r.done) return;
    line = r.value;
    lineNo++;
  }
}

async function* csvRecords(it: AsyncIterator<string>, header: string[], headerNo: number): AsyncGenerator<InputRecord> {
  const asm = new CsvRecordAssembler();
  let lineNo = headerNo;
  let start = 0;
  for (;;) {
    const r = await it.next();
    if (r.done) break;
    lineNo++;
    if (start === 0) {
      if (r.value.trim() === '') continue; // blank lines between records
      start = lineNo;
    }
    const text = asm.push(r.value.endsWith('\r') ? r.value.slice(0, -1) : r.value);
    if (text === undefined) continue;
    yield csvRecord(text, header, start);
    start = 0;
  }
  const rest = asm.rest();
  if (rest !== undefined) yield csvRecord(rest, header, start);
}

function csvRecord(text: string, header: string[], line: number): InputRecord {
  let cells: string[];
  try {
    cells = parseCsvRecord(text);
  } catch (e) {
    return { line, fields: {}, error: new RiskgridError('RG_ERR_PARSE', `line ${line}: ${(e as Error).message}`, { field: `line ${line}`, value: text }) };
  }
  if (cells.length !== header.length) {
    const err = new RiskgridError('RG_ERR_PARSE', `line ${line}: ${cells.length} fields, the header has ${header.length}`, { field: `line ${line}`, value: text });
    return { line, fields: {}, error: err };
  }
  const fields: Record<string, unknown> = {};
  header.forEach((h, i) => (fields[h] = cells[i]));
  return { line, fields };
}

/** Writes records as CSV (columns fixed at construction or by the first record) or JSON Lines. */
export class TableWriter {
  private buf: string[] = [];
  private wroteHeader = false;

  constructor(
    private readonly out: NodeJS.WritableStream,
    readonly format: TableFormat,
    private columns?: string[],
  ) {}

  add(record: Record<string, unknown>): void {
    if (this.format === 'jsonl') {
      this.buf.push(jsonlLine(record));
      return;
    }
    if (!this.wroteHeader) {
      this.columns ??= Object.keys(record);
      this.buf.push(csvLine(this.columns));
      this.wroteHeader = true;
    }
    this.buf.push(csvLine(this.columns!.map((c) => cell(record[c]))));
  }

  /** Writes what has been added, waiting for the stream to drain when it asks to. */
  async flush(): Promise<void> {
    if (this.buf.length === 0) return;
    const chunk = this.buf.join('\n') + '\n';
    this.buf = [];
    if (!this.out.write(chunk)) await new Promise<void>((resolve) => this.out.once('drain', () => resolve()));
  }

  /** A CSV table with no records still gets its header. */
  async end(): Promise<void> {
    if (this.format === 'csv' && !this.wroteHeader && this.columns !== undefined) {
      this.buf.push(csvLine(this.columns));
      this.wroteHeader = true;
    }
    await this.flush();
  }
}

/** A CSV cell from any JSON value: objects and arrays as JSON text. */
function cell(v: unknown): unknown {
  return v !== null && typeof v === 'object' ? JSON.stringify(v) : v;
}
