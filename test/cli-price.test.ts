// End-to-end: `node bin/riskgrid.js price|iv` on CSV and JSON Lines, with bad rows.
// The CLI runs from dist/ (`npm test` builds first); when dist is missing or older than host/,
// beforeAll compiles the host (tsc only; the wasm build is left to `npm run build`).
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bsmGreeks, black76Greeks } from '../host/reference/black.js';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'riskgrid-cli-'));

function newestMtime(d: string): number {
  let t = 0;
  for (const e of readdirSync(d, { withFileTypes: true })) {
    const p = join(d, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

beforeAll(() => {
  const main = join(root, 'dist/cli/price-command.js');
  if (!existsSync(main) || statSync(main).mtimeMs < newestMtime(join(root, 'host'))) {
    const r = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
    // tsc still emits when another module has a type error; only a missing output is fatal here.
    if (!existsSync(main)) throw new Error(`tsc failed: ${r.stdout}${r.stderr}`);
  }
});

function run(args: string[], stdin?: string): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin/riskgrid.js'), ...args], { cwd: root, encoding: 'utf8', input: stdin });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const GREEKS = ['price', 'delta', 'gamma', 'vega', 'theta', 'rho', 'vanna', 'volga'] as const;

const CSV = `model,type,S,K,T,vol,r,q,note
bsm,C,60,65,0.25,0.30,0.08,0,haug
black76,P,19,19,0.75,0.28,0.10,,"a, ""quoted"" note"
bsm,P,abc,95,0.5,0.2,0.1,0.05,bad S
bsm,P,100,95,0.5,0.2,0.1,0.05,
black76,C,100,95,0.5,-0.2,0.1,,negative vol
`;

function splitCsv(line: string): string[] {
  // test-local: enough for our fixtures (quoted fields without line breaks)
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (q) {
      if (c === '"' && line[i + 1] === '"') (cur += '"'), i++;
      else if (c === '"') q = false;
      else cur += c;
    } else if (c === '"') q = true;
    else if (c === ',') out.push(cur), (cur = '');
    else cur += c;
  }
  out.push(cur);
  return out;
}

describe('riskgrid price', () => {
  it('CSV: same rows in the same order, Greeks added, bad rows named, exit code 1', () => {
    const file = join(dir, 'chain.csv');
    writeFileSync(file, CSV);
    const { code, out, err } = run(['price', '--in', file]);
    expect(code).toBe(1);
    expect(err).toMatch(/2 row\(s\) failed/);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe('model,type,S,K,T,vol,r,q,note,price,delta,gamma,vega,theta,rho,vanna,volga,error');
    expect(lines).toHaveLength(6);
    const rows = lines.slice(1).map(splitCsv);
    expect(rows.map((r) => r[8])).toEqual(['haug', 'a, "quoted" note', 'bad S', '', 'negative vol']);
    const ref = [bsmGreeks(60, 65, 0.25, 0.3, 0.08, 0, 1), black76Greeks(19, 19, 0.75, 0.28, Math.exp(-0.1 * 0.75), -1), undefined, bsmGreeks(100, 95, 0.5, 0.2, 0.1, 0.05, -1)];
    for (const i of [0, 1, 3]) {
      GREEKS.forEach((g, j) => expect(Number(rows[i]![9 + j])).toBeCloseTo(ref[i]![g], 10));
      expect(rows[i]![17]).toBe('');
    }
    expect(Number(rows[0]![9])).toBeCloseTo(2.1334, 4); // Haug
    expect(rows[2]![17]).toBe('RG_ERR_INVALID_INPUT: S = "abc" is not a number');
    expect(rows[2]!.slice(9, 17)).toEqual(['', '', '', '', '', '', '', '']);
    expect(rows[4]![17]).toMatch(/^RG_ERR_INVALID_INPUT: vol = -0\.2 /);
  });

  it('JSON Lines from stdin (detected by content), CSV out with --format', () => {
    const jsonl = [
      { model: 'black76', type: 'C', S: 1500, K: 1500, T: 7 / 365, vol: 1, r: 0, q: null },
      { model: 'heston', type: 'C', S: 1, K: 1, T: 1, vol: 1, r: 0 },
      { model: 'bsm', type: 'P', S: 100, K: 110, T: 1, vol: 0.25, r: 0.02, q: 0.01, id: 7 },
    ].map((o) => JSON.stringify(o)).join('\n') + '\n{not json\n';
    const j = run(['price'], jsonl);
    expect(j.code).toBe(1);
    const recs = j.out.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(recs).toHaveLength(4);
    expect(Math.abs(recs[0].price / 82.805080668634559515 - 1)).toBeLessThan(1e-14);
    expect(recs[1].error).toBe('RG_ERR_INVALID_INPUT: model = "heston" must be bsm or black76');
    expect(recs[1].price).toBeUndefined();
    expect(recs[2].id).toBe(7);
    expect(recs[2].rho).toBeCloseTo(bsmGreeks(100, 110, 1, 0.25, 0.02, 0.01, -1).rho, 10);
    expect(recs[3].error).toMatch(/^RG_ERR_PARSE: line 4/);

    const c = run(['price', '--format', 'csv', '--in', '-'], jsonl);
    const lines = c.out.trimEnd().split('\n');
    expect(lines[0]).toBe('model,type,S,K,T,vol,r,q,price,delta,gamma,vega,theta,rho,vanna,volga,error');
    expect(lines).toHaveLength(5);
  });

  it('exit code 0 when every row is priced; 2 when the input cannot be read', () => {
    const file = join(dir, 'ok.jsonl');
    writeFileSync(file, JSON.stringify({ model: 'bsm', type: 'C', S: 100, K: 100, T: 1, vol: 0.2, r: 0, q: 0 }) + '\n');
    expect(run(['price', '--in', file]).code).toBe(0);
    const missing = run(['price', '--in', join(dir, 'nope.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/RG_ERR_INVALID_ARGUMENT: cannot read/);
    const noCol = run(['price', '--in', '-'], 'model,type,S,K,T,r\nbsm,C,1,1,1,0\n');
    expect(noCol.code).toBe(2);
    expect(noCol.err).toMatch(/lacks column vol/);
    expect(run(['price', '--format', 'xml'], CSV).code).toBe(2);
  });
});

describe('riskgrid iv', () => {
  it('recovers the vols priced by `riskgrid price`, and reports statuses', () => {
    const priced = run(['price', '--format', 'jsonl', '--in', '-'], CSV);
    const rows = priced.out.trimEnd().split('\n').map((l) => JSON.parse(l)).filter((r) => r.error === undefined);
    rows.push({ model: 'black76', type: 'P', S: 100, K: 120, T: 1, r: 0, price: 5 }); // below intrinsic 20
    rows.push({ model: 'bsm', type: 'C', S: 100, K: 120, T: 1, r: 0, q: 0, price: 100 }); // at the maximum
    const input = rows.map(({ vol, delta, gamma, vega, theta, rho, vanna, volga, ...r }) => JSON.stringify({ ...r, vol_in: vol })).join('\n');
    const res = run(['iv'], input);
    expect(res.code).toBe(1);
    const out = res.out.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(out).toHaveLength(5);
    for (let i = 0; i < 3; i++) {
      expect(out[i].status).toBe('OK');
      expect(Math.abs(out[i].iv - out[i].vol_in)).toBeLessThan(1e-10);
    }
    expect(out[3].status).toBe('RG_ERR_IV_BELOW_INTRINSIC');
    expect(out[3].error).toMatch(/price = 5 is below/);
    expect(out[4].status).toBe('RG_ERR_IV_ABOVE_MAX');
    expect(out[4].iv).toBeUndefined();
  });

  it('CSV in, CSV out, with the iv and status columns', () => {
    const file = join(dir, 'prices.csv');
    writeFileSync(file, 'model,type,S,K,T,price,r,q\nbsm,C,60,65,0.25,2.1333684449162,0.08,0\nbsm,C,60,65,0.25,x,0.08,0\n');
    const { code, out } = run(['iv', '--in', file]);
    expect(code).toBe(1);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe('model,type,S,K,T,price,r,q,iv,status,error');
    expect(Number(lines[1]!.split(',')[8])).toBeCloseTo(0.3, 12);
    expect(lines[2]).toBe('bsm,C,60,65,0.25,x,0.08,0,,RG_ERR_INVALID_INPUT,"RG_ERR_INVALID_INPUT: price = ""x"" is not a number"');
  });
});

describe('host/io: CSV and JSON Lines tables', () => {
  it('parses RFC 4180 records: quotes, doubled quotes, empty and multi-line fields', async () => {
    const { parseCsvRecord, csvLine } = await import('../host/io/csv.js');
    expect(parseCsvRecord('a,"b,c","d ""e""",,')).toEqual(['a', 'b,c', 'd "e"', '', '']);
    expect(parseCsvRecord('')).toEqual(['']);
    expect(() => parseCsvRecord('a,b"c')).toThrow(/quote inside an unquoted field/);
    expect(() => parseCsvRecord('"abc')).toThrow(/unterminated/);
    expect(csvLine(['x', 'a,b', 'say "hi"', 1.5, undefined, ' pad'])).toBe('x,"a,b","say ""hi""",1.5,," pad"');
    const { openTable } = await import('../host/io/table.js');
    async function* lines(): AsyncGenerator<string> {
      yield '\uFEFFmodel,note';
      yield 'bsm,"two';
      yield 'lines"';
      yield '';
      yield 'black76,x\r';
      yield 'bsm,"open';
    }
    const t = await openTable(lines());
    expect(t.format).toBe('csv');
    expect(t.header).toEqual(['model', 'note']);
    const recs = [];
    for await (const r of t.records) recs.push(r);
    expect(recs.map((r) => r.fields.note)).toEqual(['two\nlines', 'x', undefined]);
    expect(recs.map((r) => r.line)).toEqual([2, 5, 6]);
    expect(recs[2]!.error?.code).toBe('RG_ERR_PARSE');
  });

  it('detects JSON Lines by content and keeps bad lines in place', async () => {
    const { openTable, formatFromPath } = await import('../host/io/table.js');
    expect(formatFromPath('a.CSV')).toBe('csv');
    expect(formatFromPath('a.ndjson')).toBe('jsonl');
    expect(formatFromPath('-')).toBeUndefined();
    async function* lines(): AsyncGenerator<string> {
      yield '';
      yield ' {"a":1}';
      yield '[1,2]';
      yield '{"a":2}';
    }
    const t = await openTable(lines());
    expect(t.format).toBe('jsonl');
    const recs = [];
    for await (const r of t.records) recs.push(r);
    expect(recs.map((r) => r.fields.a)).toEqual([1, undefined, 2]);
    expect(recs[1]!.error?.message).toMatch(/line 3: expected a JSON object/);
  });
});
