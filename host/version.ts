// Echoed in every result (`engine_version`); test/engine.test.ts checks it equals package.json.
export const ENGINE_VERSION = '0.1.0';
