// A PostgreSQL server for the store tests. RISKGRID_TEST_PG_URL (a role that may CREATE
// DATABASE) wins; otherwise, where Debian's binaries are installed, a throwaway cluster is
// initialised in a temp dir on a free port (run as the `postgres` OS user when we are root, since
// initdb refuses root) and removed afterwards. Each caller of freshDatabase() gets a new empty
// database, so tests never see each other's rows.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../host/io/free-port.js';

export type PgPlan =
  | { kind: 'url'; url: string }
  | { kind: 'cluster'; bin: string; runAs?: { uid: number; gid: number } }
  | { kind: 'none'; reason: string };

/** Decided synchronously so a test file can skip (locally) or fail (CI) at collection time. */
export function pgPlan(): PgPlan {
  const url = process.env.RISKGRID_TEST_PG_URL;
  if (url !== undefined && url !== '') return { kind: 'url', url };
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (versions.length === 0) return { kind: 'none', reason: 'RISKGRID_TEST_PG_URL is not set and no PostgreSQL binaries were found (/usr/lib/postgresql/*/bin/initdb); install Debian package postgresql' };
  const bin = join(root, versions[0]!, 'bin');
  if (process.getuid?.() !== 0) return { kind: 'cluster', bin };
  const ids = osUser('postgres');
  if (ids === undefined) return { kind: 'none', reason: 'running as root, and there is no `postgres` OS user to run initdb as (initdb refuses root)' };
  return { kind: 'cluster', bin, runAs: ids };
}

function osUser(name: string): { uid: number; gid: number } | undefined {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  if (line === undefined) return undefined;
  const f = line.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}


export interface PgTestServer {
  /** An admin URL for a new, empty database. */
  freshDatabase(): Promise<string>;
  stop(): Promise<void>;
}

const dbUrl = (base: string, db: string): string => {
  const u = new URL(base);
  u.pathname = `/${db}`;
  return u.toString();
};

/** Start (or connect to) the server the plan names. Throws with the reason when there is none. */
export async function startTestPostgres(plan: PgPlan = pgPlan()): Promise<PgTestServer> {
  if (plan.kind === 'none') throw new Error(`PostgreSQL store tests cannot run: ${plan.reason}`);
  let adminUrl: string;
  let stopCluster: (() => void) | undefined;
  if (plan.kind === 'url') {
    adminUrl = plan.url;
  } else {
    const started = await startCluster(plan.bin, plan.runAs);
    adminUrl = started.url;
    stopCluster = started.stop;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const created: string[] = [];
  const prefix = `riskgrid_test_${process.pid}_${Date.now().toString(36)}`;
  return {
    async freshDatabase() {
      const name = `${prefix}_${created.length}`;
      await admin.query(`CREATE DATABASE ${name}`);
      created.push(name);
      return dbUrl(adminUrl, name);
    },
    async stop() {
      try {
        if (stopCluster === undefined) for (const name of created) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await admin.end().catch(() => {});
        stopCluster?.();
      }
    },
  };
}

async function startCluster(bin: string, runAs?: { uid: number; gid: number }): Promise<{ url: string; stop: () => void }> {
  // /tmp rather than os.tmpdir(): a root-only TMPDIR would be unreachable for the postgres user.
  const dir = mkdtempSync(join(runAs ? '/tmp' : tmpdir(), 'riskgrid-pg-'));
  const data = join(dir, 'data');
  const sock = join(dir, 'sock');
  mkdirSync(sock);
  if (runAs) { chownSync(dir, runAs.uid, runAs.gid); chownSync(sock, runAs.uid, runAs.gid); }
  const run = (cmd: string, args: string[]): void => {
    const [file, argv] = runAs ? ['runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]] : [join(bin, cmd), args];
    execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  };
  let running = false;
  const stop = (): void => {
    if (running) {
      running = false;
      try { run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']); } catch { /* already gone */ }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // If the test process exits without its teardown, the server must not outlive it.
  process.once('exit', stop);
  try {
    // An ICU en-US collation where the server has it (PG 15+): ordering then differs from byte
    // order, which is what the store's COLLATE "C" must hide (a C-locale cluster would not tell).
    const initdb = ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'];
    try {
      run('initdb', [...initdb, '--locale-provider=icu', '--icu-locale=en-US']);
    } catch {
      rmSync(data, { recursive: true, force: true });
      run('initdb', initdb);
    }
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      try {
        run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', `-p ${port} -k ${sock} -c listen_addresses=127.0.0.1 -c max_connections=200`, 'start']);
        running = true;
        return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop };
      } catch (e) {
        if (attempt >= 2) throw e; // the port was taken between probe and bind; try another
      }
    }
  } catch (e) {
    const log = existsSync(join(dir, 'server.log')) ? readFileSync(join(dir, 'server.log'), 'utf8').slice(-2000) : '';
    const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? '';
    stop();
    throw new Error(`could not start a throwaway PostgreSQL cluster with ${bin}: ${(e as Error).message}\n${stderr}\n${log}`);
  }
}
