// The `riskgrid` command.
import { availableParallelism } from 'node:os';
import { Command } from 'commander';

// `riskgrid ... | head` closes the pipe early: stop quietly instead of crashing on EPIPE.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

const program = new Command();
program.name('riskgrid').description('riskgrid portfolio margin engine').version('0.1.0');
// Positional on the program too: without it `stress cascade --market F` hands --market to `stress`
// (commander only lets a grandchild reuse a parent's option name when every ancestor is positional).
program.enablePositionalOptions();

program
  .command('demo', { isDefault: true })
  .description('price a sample option chain and print a Greeks table')
  .action(async () => {
    const { runDemo } = await import('./demo.js');
    await runDemo();
  });

const FIELDS = 'fields model (bsm|black76), type (C|P), S (spot; the forward for black76), K, T (years), r, q (decimals; q may be empty for black76)';

program
  .command('price')
  .description(`price option rows and add price,delta,gamma,vega,theta,rho,vanna,volga; ${FIELDS}, vol`)
  .option('--in <file>', 'CSV (header row) or JSON Lines file; - for stdin', '-')
  .option('--format <format>', 'output format: csv or jsonl (default: the input format)')
  .action(async (opts: { in?: string; format?: string }) => {
    const { runTableCommand } = await import('./price-command.js');
    process.exitCode = await runTableCommand('price', opts);
  });

program
  .command('iv')
  .description(`implied volatility of option prices; adds iv,status; ${FIELDS}, price`)
  .option('--in <file>', 'CSV (header row) or JSON Lines file; - for stdin', '-')
  .option('--format <format>', 'output format: csv or jsonl (default: the input format)')
  .action(async (opts: { in?: string; format?: string }) => {
    const { runTableCommand } = await import('./price-command.js');
    process.exitCode = await runTableCommand('iv', opts);
  });

program
  .command('margin')
  .description('margin a portfolio (one account or an array) on a market snapshot under a profile')
  .requiredOption('--profile <name|file>', 'built-in profile name (e.g. derive-pmrm2.test) or a profile JSON file')
  .requiredOption('--portfolio <file>', 'account JSON (or an array of accounts); - for stdin')
  .requiredOption('--market <file>', 'market snapshot JSON')
  .option('--format <format>', 'json or table', 'table')
  .option('--explain', "include the methodology's full working (breakdown.detail)")
  .action(async (opts: { profile: string; portfolio: string; market: string; format?: string; explain?: boolean }) => {
    const { runMarginCommand } = await import('./margin-command.js');
    process.exitCode = runMarginCommand(opts);
  });

program
  .command('conformance')
  .description("run Derive's published cases through the engine: derive-pmrm2 PATH... | derive-pmrm FILE")
  .argument('<suite>', 'derive-pmrm2 or derive-pmrm')
  .argument('<paths...>', 'case files or directories')
  .action(async (suite: string, paths: string[]) => {
    const { runConformanceCommand } = await import('./conformance-command.js');
    process.exitCode = await runConformanceCommand(suite, paths);
  });

program
  .command('compare')
  .description('initial and maintenance margin of one portfolio under several profiles, side by side')
  .requiredOption('--portfolio <file>', 'account JSON')
  .requiredOption('--market <file>', 'market snapshot JSON')
  .requiredOption('--profiles <list>', 'comma-separated profile names or files, e.g. standard,span.cme-example,deribit-pm')
  .option('--format <format>', 'table or json', 'table')
  .action(async (opts: { portfolio: string; market: string; profiles: string; format: string }) => {
    const { runCompareCommand } = await import('./compare-command.js');
    process.exitCode = runCompareCommand(opts);
  });

program
  .command('var')
  .description('Monte Carlo or historical-simulation VaR / ES of every account and the venue (full revaluation)')
  .requiredOption('--portfolio <file>', 'account JSON or an array of accounts')
  .requiredOption('--market <file>', 'market snapshot JSON')
  .option('--model <file>', 'Monte Carlo model JSON (underlyings, correlation, horizon_days, student_t, jumps, vol moves)')
  .option('--history <csv>', 'historical simulation from a price history CSV (date,<U>,<U>_vol,...)')
  .option('--horizon <days>', 'historical simulation horizon in days', '1')
  .option('--scenarios <n>', 'Monte Carlo scenario count', '10000')
  .option('--seed <n>', 'Monte Carlo seed', '1')
  .option('--levels <list>', 'confidence levels', '0.99,0.995')
  .option('--threads <n|auto>', 'worker threads for the account aggregation (1 = single thread; auto = a pool for big books)', 'auto')
  .option('--worst <n>', 'how many of the venue worst scenarios to list', '10')
  .option('--links <file>', 'account links JSON {account: {owner, collateral: [...]}} for the contagion view')
  .option('--conventions <name>', 'instrument id conventions: derive (linear) or deribit', 'derive')
  .option('--format <format>', 'json or csv', 'json')
  .option('--svg <file>', 'write the venue P&L histogram with VaR / ES marked')
  .action(async (opts: import('./var-command.js').VarCommandOptions) => {
    const { runVarCommand } = await import('./var-command.js');
    process.exitCode = await runVarCommand(opts);
  });

program
  .command('stress')
  .description('user-defined stress scenarios (JSON) on every account and the venue, with broken accounts and contagion')
  .requiredOption('--portfolio <file>', 'account JSON or an array of accounts')
  .requiredOption('--market <file>', 'market snapshot JSON')
  .requiredOption('--scenarios <file>', 'stress scenarios JSON {scenarios: [{name, spot: {U: move}, vol: {U: move}, vol_add: {U: points}}]}')
  .option('--links <file>', 'account links JSON for the contagion view')
  .option('--conventions <name>', 'instrument id conventions: derive (linear) or deribit', 'derive')
  .option('--format <format>', 'json or csv', 'json')
  .action(async (opts: import('./stress-command.js').StressCommandOptions) => {
    const { runStressCommand } = await import('./stress-command.js');
    process.exitCode = await runStressCommand(opts);
  });

// `stress cascade`: its options follow the subcommand name, so `stress` must not read them as its
// own; commander also checks a parent's required options before a subcommand runs, so stress's
// are checked by a hook only when stress itself runs (same message as commander's).
const stressCommand = program.commands.find((c) => c.name() === 'stress')!;
const stressRequired = stressCommand.options.filter((o) => o.mandatory);
for (const o of stressRequired) o.mandatory = false;
stressCommand.enablePositionalOptions().hook('preAction', (cmd, action) => {
  if (action !== cmd) return;
  for (const o of stressRequired) if (cmd.getOptionValue(o.attributeName()) === undefined) cmd.error(`error: required option '${o.flags}' not specified`);
});
stressCommand
  .command('cascade')
  .description('liquidation cascade on a venue (riskgrid synth output): shock, liquidate, price impact, re-margin, per round')
  .requiredOption('--venue <dir>', 'venue directory: venue.json (pools), accounts.jsonl')
  .option('--market <file>', "market snapshot JSON (default: the venue's market.json)")
  .option('--shock <move>', 'price move of the shocked underlyings in round 0: -30% (or -0.3)')
  .option('--underlying <list>', 'underlyings to shock, comma-separated (default: all)')
  .option('--impact <model>', 'price impact of liquidation flow: linear or sqrt', 'linear')
  .option('--k <k>', 'impact coefficient: Δln p = −k·n/depth (linear), −k·sign(n)·√(|n|/depth) (sqrt)', '1')
  .option('--depth <usd>', "impact depth in USD: one number or ETH=5e8,BTC=2e9 (default: the venue's gross open notional per underlying)")
  .option('--rounds <n>', 'liquidation rounds at most', '10')
  .option('--buffer <fraction>', 'margin restored above MM, as a fraction of MM', '0.1')
  .option('--fund <usd>', 'insurance fund balance at the start', '0')
  .option('--threads <n>', 'worker threads (0 = this thread)', '2')
  .option('--chart <file>', 'write an SVG chart: price path per underlying and notional liquidated per round')
  .option('--json', 'print the result as JSON (the same bytes for the same inputs)')
  .option('--detail', 'list every liquidation of every round in the result')
  .option('--replay <file>', 'rerun the parameters of a saved --json result and check the result is identical (exit 1 if not)')
  .option('--liquidation <mode>', 'market (close a fraction at marks) or auction (Derive Dutch auctions, the profile\'s auction parameters)', 'market')
  .option('--round-seconds <s>', 'simulated seconds per round in auction mode (auctions start at a round\'s start, bids at its end)', '30')
  .option('--adl <mode>', 'auto-deleveraging when the insurance fund falls short: profile (the pool profile says), on, off', 'profile')
  .option('--audit <file>', 'write the run as a hash-chained JSONL audit log (inputs, every liquidation, bid, fee, fund draw, ADL)')
  .option('--replay-audit <file>', 'verify an audit log, rerun its inputs on --venue/--market and check every action is reproduced (exit 1 if not)')
  .action(async (opts: import('./cascade-command.js').CascadeCommandOptions) => {
    const { runCascadeCommand } = await import('./cascade-command.js');
    process.exitCode = await runCascadeCommand(opts);
  });

program
  .command('backtest')
  .description('backtest margin against realised P&L over the margin period: exceptions, Kupiec POF, traffic light')
  .requiredOption('--history <csv>', 'price history CSV (date,<U>,<U>_vol[,margin])')
  .requiredOption('--portfolio <file>', 'positions held (account JSON or array)')
  .option('--horizon <days>', 'margin period in days', '1')
  .option('--level <p>', 'confidence level', '0.99')
  .option('--window <days>', 'lookback of the historical-simulation margin when the CSV has no margin column', '250')
  .option('--conventions <name>', 'instrument id conventions: derive (linear) or deribit', 'derive')
  .option('--format <format>', 'json or csv', 'json')
  .option('--svg <file>', 'write margin vs loss over time with the exceptions marked')
  .action(async (opts: import('./backtest-command.js').BacktestCommandOptions) => {
    const { runBacktestCommand } = await import('./backtest-command.js');
    process.exitCode = runBacktestCommand(opts);
  });

program
  .command('serve')
  .description('run the margin service: the risk page at /, /health, POST /v1/margin/simulate (PORT, default 8080)')
  .option('--port <n>', 'port to listen on (default: $PORT or 8080; 0 = any free port)')
  .option('--host <h>', 'address to bind', '127.0.0.1')
  .option('--demo', 'seed a demo venue into the store on first start and print a new operator API key (npm start)')
  .option('--db <file>', 'serve the stateful API on this SQLite file (default with --demo: $RISKGRID_DB or ./riskgrid.db; :memory: for one that lasts as long as the service; DATABASE_URL=postgres://… selects PostgreSQL)')
  .option('--log-level <level>', 'pino log level: info (default; warn with --demo), debug, warn, silent, ...')
  .option('--nats <url>', 'margin on engine nodes (riskgrid node) on this NATS JetStream server instead of in process (default: $RISKGRID_NATS_URL; needs a store)')
  .action(async (opts: import('./serve-command.js').ServeCommandOptions) => {
    const { runServeCommand } = await import('./serve-command.js');
    await runServeCommand(opts);
  });

program
  .command('synth')
  .description('write a seeded synthetic derive-pmrm2-style venue: market.json, accounts.jsonl (one account a line), venue.json')
  .requiredOption('--accounts <n>', 'number of accounts')
  .requiredOption('--instruments <n>', 'number of listed instruments (the perp plus calls and puts)')
  .requiredOption('--seed <n>', 'seed (32-bit unsigned): the same seed writes the same venue')
  .option('--out <dir>', 'output directory', 'synth-venue')
  .option('--profile <name|file>', 'profile whose currency and collateral list shape the venue', 'derive-pmrm2.test')
  .option('--spot <price>', 'index price of the underlying', '3000')
  .option('--underlyings <list>', 'several underlyings, one pool each: ETH,BTC,SOL or ETH:3000:0.5,... (name[:spot[:share]]); --profile is then the base profile')
  .action(async (opts: import('./synth-command.js').SynthCommandOptions) => {
    const { runSynthCommand } = await import('./synth-command.js');
    process.exitCode = runSynthCommand(opts);
  });

program
  .command('remargin')
  .description('re-margin every account of a venue (riskgrid synth output) on a worker pool over shared WebAssembly memory')
  .requiredOption('--venue <dir>', 'venue directory: venue.json (pools), accounts.jsonl')
  .option('--market <file>', 'market snapshot JSON (default: the venue\'s market.json)')
  .option('--threads <n>', 'worker threads (0 = this thread)', String(availableParallelism()))
  .option('--top <n>', 'accounts closest to liquidation to list', '10')
  .option('--out <file>', 'write every account\'s result as JSON lines')
  .action(async (opts: import('./remargin-command.js').RemarginCommandOptions) => {
    const { runRemarginCommand } = await import('./remargin-command.js');
    process.exitCode = await runRemarginCommand(opts);
  });

program
  .command('node')
  .description('run an engine node of a cluster on NATS JetStream: leases account partitions, re-margins them on every snapshot')
  .requiredOption('--nats <url>', 'NATS server URL(s), comma-separated (JetStream enabled)')
  .option('--pools <file>', 'venue.json (riskgrid synth) or a { pool: profile } JSON file (default: one derive-pmrm2.mainnet pool)')
  .option('--threads <n>', 'venue engine worker threads (0 = the node\'s own thread)', '1')
  .option('--partitions <n>', 'partition count, when this node creates the cluster (default 64)')
  .option('--lease-ttl <ms>', 'partition lease time-to-live: a dead node\'s partitions move after about this long', '3000')
  .option('--id <name>', 'node id (default: host-pid-random)')
  .option('--quiet', 'no log lines on stderr')
  .option('--log-ticks', 'log each step\'s engine and publish times')
  .action(async (opts: import('./node-command.js').NodeCommandOptions) => {
    const { runNodeCommand } = await import('./node-command.js');
    await runNodeCommand(opts);
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // Expected failures print their stable code and message, not a stack trace.
  const err = e as { code?: string; message?: string };
  process.stderr.write(`riskgrid: ${err.code?.startsWith('RG_ERR_') ? `${err.code}: ` : ''}${err.message ?? String(e)}\n`);
  if (!err.code?.startsWith('RG_ERR_')) process.stderr.write(`${(e as Error).stack ?? ''}\n`);
  process.exitCode = 2;
}
