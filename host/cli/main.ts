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

await program.parseAsync(process.argv);
