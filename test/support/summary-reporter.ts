// Prints one plain closing line, "simd: N passed, M failed, K skipped", after vitest's own
// summary, so CI logs state the count for each build the suite ran against.
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const m of modules) {
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) failed++; // a file that failed to load
      for (const t of m.children.allTests()) {
        const s = t.result().state;
        if (s === 'passed') passed++;
        else if (s === 'failed') failed++;
        else skipped++;
      }
    }
    const build = process.env.RISKGRID_NO_SIMD === '1' ? 'scalar' : 'simd';
    process.stdout.write(`\n${build}: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
