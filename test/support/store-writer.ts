// Child process for the SIGKILL durability test (test/service-store.test.ts): writes accounts
// and audit rows through the store (a SQLite path or a postgres:// URL, through openStore) as
// fast as it can and prints `ack <i>` only after each write's promise resolved — what a service
// would acknowledge to its client. Bundled to CommonJS by the test (esbuild), so no top-level await.
import { openStore } from '../../host/store/open.js';

async function main(): Promise<void> {
  const target = process.argv[2]!;
  const store = await openStore(/^postgres(ql)?:\/\//.test(target) ? { databaseUrl: target } : { sqlitePath: target });
  for (let i = 0; ; i++) {
    await store.putAccount({ id: `w${i}`, pool: 'default', positions: [{ instrument: 'ETH-PERPETUAL', size: i }], balances: { USDC: i }, status: 'unknown', updated_at: new Date().toISOString() });
    await store.appendAudit({ kind: 'positions_replaced', account_id: `w${i}`, data: { i } });
    process.stdout.write(`ack ${i}\n`);
  }
}
main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
