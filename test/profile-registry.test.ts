import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RiskgridError } from '../host/errors.js';
import { canonicalJson, contentHash, sha256Hex, sha256HexPure } from '../host/profiles/hash.js';
import { getMethodology, listMethodologies, listProfiles, loadProfile, parseProfile, PROFILES_DIR, registerMethodology } from '../host/profiles/registry.js';
import { checkSchema, type Schema } from '../host/model/schema.js';

function err(fn: () => unknown): RiskgridError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RiskgridError) return e;
    throw e;
  }
  throw new Error('expected a RiskgridError');
}

describe('sha256', () => {
  it('FIPS 180-2 test vectors (pure implementation)', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(sha256HexPure(enc(''))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256HexPure(enc('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256HexPure(enc('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
    expect(sha256HexPure(new Uint8Array(1_000_000).fill(0x61))).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  });

  it('pure and Node agree on random inputs, across every padding boundary', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (bytes) => {
      const node = createHash('sha256').update(bytes).digest('hex');
      expect(sha256HexPure(bytes)).toBe(node);
      expect(sha256Hex(bytes)).toBe(node);
    }), { numRuns: 500 });
    for (let n = 50; n <= 130; n++) {
      const b = new Uint8Array(n).map((_, i) => (i * 31 + n) & 255);
      expect(sha256HexPure(b), `length ${n}`).toBe(createHash('sha256').update(b).digest('hex'));
    }
  });
});

describe('sha256 without Node crypto (the browser path)', () => {
  it('contentHash falls back to the pure implementation with the same result', () => {
    const proc = process as { getBuiltinModule?: unknown };
    const saved = proc.getBuiltinModule;
    const value = { b: [1, 2.5, 'x'], a: { z: null } };
    const withNode = contentHash(value);
    let calls = 0;
    proc.getBuiltinModule = () => { calls++; return undefined; };
    try {
      expect(contentHash(value)).toBe(withNode);
      expect(calls).toBe(1);
    } finally {
      proc.getBuiltinModule = saved;
    }
  });
});

describe('canonical JSON and content hash', () => {
  it('sorts keys, drops whitespace, keeps arrays in order', () => {
    expect(canonicalJson({ b: [3, { d: 1, c: 'x' }], a: null, é: true })).toBe('{"a":null,"b":[3,{"c":"x","d":1}],"é":true}');
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalJson(JSON.parse(JSON.stringify({ x: 0.1 + 0.2 })))).toBe('{"x":0.30000000000000004}');
    expect(contentHash({ a: 1 })).toBe(`sha256:${createHash('sha256').update('{"a":1}').digest('hex')}`);
  });

  it('property: same content, any key order or formatting → same hash; different content → different hash', () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    fc.assert(fc.property(json, fc.integer({ min: 0, max: 1000 }), (v, seed) => {
      const shuffled = JSON.parse(JSON.stringify(shuffle(v, seed), null, seed % 4));
      expect(contentHash(shuffled)).toBe(contentHash(v));
      expect(contentHash({ wrap: v, extra: seed })).not.toBe(contentHash({ wrap: v, extra: seed + 1 }));
    }), { numRuns: 300 });
  });

  it('rejects values JSON cannot carry', () => {
    expect(err(() => canonicalJson({ a: { b: [1, NaN] } }))).toMatchObject({ code: 'RG_ERR_PROFILE', field: 'a.b[1]' });
    expect(err(() => canonicalJson({ f: () => 1 }))).toMatchObject({ code: 'RG_ERR_PROFILE', field: 'f' });
  });
});

function shuffle(v: unknown, seed: number): unknown {
  if (Array.isArray(v)) return v.map((x) => shuffle(x, seed));
  if (v === null || typeof v !== 'object') return v;
  const entries = Object.entries(v as object);
  const rotated = entries.map((_, i) => entries[(i + seed) % entries.length]!).reverse();
  return Object.fromEntries(rotated.map(([k, x]) => [k, shuffle(x, seed + 1)]));
}

const schema: Schema = { type: 'object', fields: {
  im_factor: { type: 'number', min: 1, description: 'initial margin multiple of the worst loss' },
  scenarios: { type: 'array', minItems: 1, items: { type: 'number', min: 0, minExclusive: true } },
} };
registerMethodology('test-method', { validateParams: (p, path) => checkSchema<{ im_factor: number; scenarios: number[] }>(p, schema, path), description: 'for tests' });

const good = { name: 'test-method.default', methodology: 'test-method', version: '1.0.0', description: 'x', params: { im_factor: 1.3, scenarios: [0.9, 1.1] } };

describe('profiles', () => {
  it('parse a profile object: typed params, content hash, source', () => {
    const p = parseProfile<{ im_factor: number }>(good);
    expect(p).toMatchObject({ name: 'test-method.default', methodology: 'test-method', version: '1.0.0', source: 'object' });
    expect(p.params.im_factor).toBe(1.3);
    expect(p.hash).toBe(contentHash(good));
    expect(p.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(parseProfile({ ...good, version: 3 }).version).toBe('3');
  });

  it('the methodology validates its params with clear errors', () => {
    expect(err(() => parseProfile({ ...good, params: { im_factor: 1.3 } }))).toMatchObject({ code: 'RG_ERR_PROFILE', field: 'params.scenarios' });
    expect(err(() => parseProfile({ ...good, params: { ...good.params, mm_factor: 1 } }))).toMatchObject({ code: 'RG_ERR_PROFILE', field: 'params.mm_factor' });
    expect(err(() => parseProfile({ ...good, params: { ...good.params, scenarios: [1, -1] } }))).toMatchObject({ field: 'params.scenarios[1]', value: -1 });
    expect(err(() => parseProfile({ ...good, params: { ...good.params, im_factor: 0.5 } })).message).toContain('params.im_factor');
  });

  it('the profile file itself: unknown, missing and malformed fields', () => {
    expect(err(() => parseProfile({ ...good, parameters: {} }))).toMatchObject({ code: 'RG_ERR_PROFILE', field: 'parameters' });
    const { version: _v, ...noVersion } = good;
    expect(err(() => parseProfile(noVersion))).toMatchObject({ code: 'RG_ERR_PROFILE', field: 'version' });
    expect(err(() => parseProfile({ ...good, name: 'a b' }))).toMatchObject({ field: 'name' });
    expect(err(() => parseProfile({ ...good, params: [] }))).toMatchObject({ field: 'params' });
    expect(err(() => parseProfile({ ...good, methodology: 'nope' }))).toMatchObject({ code: 'RG_ERR_PROFILE', field: 'methodology', value: 'nope' });
    expect(parseProfile({ ...good, methodology: 'nope' }, 'object', { allowUnknownMethodology: true }).params).toEqual(good.params);
    expect(err(() => parseProfile('x'))).toMatchObject({ code: 'RG_ERR_PROFILE' });
  });

  it('registry: register, look up, list; bad registrations refused', () => {
    expect(listMethodologies()).toContain('test-method');
    expect(getMethodology('test-method').description).toBe('for tests');
    expect(err(() => registerMethodology('Bad Name', { validateParams: (p) => p }))).toMatchObject({ code: 'RG_ERR_INVALID_ARGUMENT' });
    expect(err(() => registerMethodology('ok', {} as never))).toMatchObject({ code: 'RG_ERR_INVALID_ARGUMENT' });
  });

  it('load from a file path: same hash as the object, whatever the formatting and key order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rg-profile-'));
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    writeFileSync(a, JSON.stringify(good, null, 2));
    const reordered = { params: { scenarios: [0.9, 1.1], im_factor: 1.3 }, version: '1.0.0', description: 'x', methodology: 'test-method', name: 'test-method.default' };
    writeFileSync(b, JSON.stringify(reordered));
    const pa = loadProfile(a);
    expect(pa.source).toBe(a);
    expect(pa.hash).toBe(loadProfile(b).hash);
    expect(pa.hash).toBe(parseProfile(good).hash);
    writeFileSync(b, JSON.stringify({ ...good, params: { ...good.params, im_factor: 1.31 } }));
    expect(loadProfile(b).hash).not.toBe(pa.hash);
    writeFileSync(b, '{"name": ');
    expect(err(() => loadProfile(b))).toMatchObject({ code: 'RG_ERR_PARSE' });
    expect(err(() => loadProfile(join(dir, 'missing.json')))).toMatchObject({ code: 'RG_ERR_PROFILE' });
  });

  it('load by name from the top-level profiles/ folder', () => {
    expect(fileURLToPath(PROFILES_DIR)).toBe(fileURLToPath(new URL('../profiles/', import.meta.url)));
    const e = err(() => loadProfile('no-such-profile'));
    expect(e.code).toBe('RG_ERR_PROFILE');
    expect(e.message).toContain(`${fileURLToPath(PROFILES_DIR)}no-such-profile.json`);
    expect(err(() => loadProfile('bad name!'))).toMatchObject({ code: 'RG_ERR_PROFILE', value: 'bad name!' });
    // Every built-in file parses and hashes (methodologies may not be registered in this test).
    for (const name of listProfiles()) {
      const p = loadProfile(name, { allowUnknownMethodology: true });
      expect(p.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(p.source.endsWith(`profiles/${name}.json`)).toBe(true);
    }
  });
});
