// The shipped parameter files of issue 4 load through the profile registry (schema-checked by each
// methodology's validateParams, content hash echoed), and a broken file names the bad field.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { registerBuiltinMethodologies } from '../host/margin/builtin.js';
import { loadProfile, parseProfile } from '../host/profiles/registry.js';

registerBuiltinMethodologies();
const METHODS = { span: 1, standard: 1, 'cross-futures': 1, 'deribit-pm': 1, 'okx-pm': 1, tims: 1 };

const FILES = ['span.cme-example', 'standard', 'cross-futures', 'deribit-pm', 'deribit-pm.cross', 'okx-pm', 'tims'];

describe('issue-4 profile files', () => {
  it.each(FILES)('%s loads, validates and carries a content hash', (name) => {
    const p = loadProfile(name);
    expect(p.name).toBe(name);
    expect(p.methodology in METHODS).toBe(true);
    expect(p.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it.each(FILES)('%s: an unknown or a missing params field is RG_ERR_PROFILE naming it', (name) => {
    const raw = JSON.parse(readFileSync(new URL(`../profiles/${name}.json`, import.meta.url), 'utf8'));
    expect(() => parseProfile({ ...raw, params: { ...raw.params, bogus: 1 } })).toThrow(expect.objectContaining({ code: 'RG_ERR_PROFILE', field: 'params.bogus' }));
    const first = Object.keys(raw.params)[0]!;
    const { [first]: _gone, ...rest } = raw.params;
    expect(() => parseProfile({ ...raw, params: rest })).toThrow(expect.objectContaining({ code: 'RG_ERR_PROFILE', field: `params.${first}` }));
  });
});
