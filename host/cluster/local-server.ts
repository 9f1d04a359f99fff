// A throwaway nats-server with JetStream for tests and benchmarks: Debian's binary (package
// nats-server), a temp store dir, a free loopback port, max_payload raised for result chunks.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RiskgridError } from '../errors.js';
import { MAX_PAYLOAD } from './streams.js';
import { freePort } from '../io/free-port.js';

/** The nats-server binary on PATH (or $NATS_SERVER), or why there is none. */
export function natsServerBinary(): { bin: string; version: string } | { missing: string } {
  const bin = process.env.NATS_SERVER ?? 'nats-server';
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) return { missing: `${bin} is not installed (apt-get install -y nats-server, or set NATS_SERVER)` };
  return { bin, version: r.stdout.trim() };
}

export interface LocalNats {
  url: string;
  dir: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

export async function startLocalNats(): Promise<LocalNats> {
  const b = natsServerBinary();
  if ('missing' in b) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', b.missing, { field: 'nats-server', value: null });
  const dir = mkdtempSync(join(tmpdir(), 'riskgrid-nats-'));
  const port = await freePort();
  writeFileSync(join(dir, 'nats.conf'), `host: 127.0.0.1\nport: ${port}\nmax_payload: ${MAX_PAYLOAD}\njetstream {\n  store_dir: "${join(dir, 'js')}"\n}\n`);
  const proc = spawn(b.bin, ['-c', join(dir, 'nats.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr!.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-4000);
  });
  const until = Date.now() + 10_000;
  for (;;) {
    const up = await new Promise<boolean>((r) => {
      const s = netConnect(port, '127.0.0.1', () => {
        s.end();
        r(true);
      });
      s.once('error', () => r(false));
    });
    if (up) break;
    if (proc.exitCode !== null || Date.now() > until) throw new RiskgridError('RG_ERR_INVALID_ARGUMENT', `nats-server did not start: ${log}`, { field: 'nats-server', value: port });
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    dir,
    proc,
    stop: async () => {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await new Promise((r) => proc.once('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
