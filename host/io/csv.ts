// CSV (RFC 4180): fields separated by commas, optionally in double quotes ("" is a literal quote;
// a quoted field may hold commas and line breaks). A header row names the columns.
// Streaming: feed physical lines; a record is complete when its quotes are balanced.

/** Splits one complete record into fields. Throws on a stray quote inside an unquoted field. */
export function parseCsvRecord(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new Error('unterminated quoted field');
        field += text.slice(i, q);
        i = q + 1;
        if (text[i] === '"') {
          field += '"';
          i++;
        } else break;
      }
      if (i < n && text[i] !== ',') throw new Error(`unexpected character after a quoted field at column ${i + 1}`);
    } else {
      const c = text.indexOf(',', i);
      const end = c < 0 ? n : c;
      field = text.slice(i, end);
      if (field.includes('"')) throw new Error(`quote inside an unquoted field at column ${i + 1}`);
      i = end;
    }
    out.push(field);
    if (i >= n) return out;
    i++; // the comma
    if (i === n) {
      out.push('');
      return out;
    }
  }
}

/** Gathers physical lines into complete records (a quoted field may span lines). */
export class CsvRecordAssembler {
  private pending: string | undefined;
  private quotes = 0;

  /** Returns the complete record text, or undefined while a quoted field is still open. */
  push(line: string): string | undefined {
    const text = this.pending === undefined ? line : `${this.pending}\n${line}`;
    for (let i = 0; i < line.length; i++) if (line.charCodeAt(i) === 34) this.quotes++;
    if (this.quotes % 2 === 1) {
      this.pending = text;
      return undefined;
    }
    this.pending = undefined;
    this.quotes = 0;
    return text;
  }

  /** Text of an unfinished record at end of input (an unterminated quote), if any. */
  rest(): string | undefined {
    return this.pending;
  }
}

/** One field, quoted only when it must be. */
export function csvField(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'string' ? v : String(v);
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: readonly unknown[]): string {
  return values.map(csvField).join(',');
}
