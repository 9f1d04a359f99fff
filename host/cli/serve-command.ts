// `riskgrid serve`: the margin service in the foreground, printing where it listens.
import { startServer } from '../service/start.js';

export interface ServeCommandOptions {
  port?: string;
  host?: string;
}

export async function runServeCommand(opts: ServeCommandOptions, out: (s: string) => void = (s) => process.stdout.write(s)): Promise<void> {
  const { url } = await startServer({ port: opts.port ?? process.env.PORT, host: opts.host ?? '127.0.0.1' });
  out(`riskgrid service listening on ${url}\n  risk page  ${url}/\n  health     ${url}/health\n  simulate   POST ${url}/v1/margin/simulate\n`);
}
