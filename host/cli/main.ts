// The `riskgrid` command.
import { Command } from 'commander';

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

await program.parseAsync(process.argv);
