// The `riskgrid` command.
import { Command } from 'commander';

// `riskgrid ... | head` closes the pipe early: stop quietly instead of crashing on EPIPE.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

const program = new Command();
program.name('riskgrid').description('riskgrid portfolio margin engine').version('0.1.0');

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
  .action(async (opts: import('./synth-command.js').SynthCommandOptions) => {
    const { runSynthCommand } = await import('./synth-command.js');
    process.exitCode = runSynthCommand(opts);
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
