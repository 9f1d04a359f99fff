// Types of scripts/build-browser.js for the tests that build the page before serving it.
/** Bundles host/browser.ts into dist/browser/ with the .wasm files; resolves to that folder. */
export function buildLib(): Promise<string>;
/** Bundles the risk page into dist/web/ with the .wasm files; resolves to that folder. */
export function buildWeb(): Promise<string>;
