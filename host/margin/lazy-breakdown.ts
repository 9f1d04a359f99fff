// A MarginBreakdown whose per-asset collateral lines are built on first read. The lines are a
// prototype getter (an accessor in each result's object literal made a 10,000-account batch ~25 %
// slower); toJSON writes them out, so JSON (and the service's replies) carry them as data.
// Object.keys lists the figures only; read `collateral` or serialise to see the lines.
import type { CollateralBreakdownLine, MarginBreakdown } from './result.js';

export class LazyBreakdown implements MarginBreakdown {
  scenario_loss: number;
  mm_loss_factor: number;
  im_loss_factor: number;
  contingencies: Record<string, number>;
  equity_parts: Record<string, number>;
  detail?: Record<string, unknown>;
  #lines: CollateralBreakdownLine[] | undefined;
  #build: (() => CollateralBreakdownLine[]) | undefined;

  constructor(
    scenarioLoss: number, mmLossFactor: number, imLossFactor: number, contingencies: Record<string, number>, equityParts: Record<string, number>,
    lines: () => CollateralBreakdownLine[], detail?: Record<string, unknown>,
  ) {
    this.scenario_loss = scenarioLoss;
    this.mm_loss_factor = mmLossFactor;
    this.im_loss_factor = imLossFactor;
    this.contingencies = contingencies;
    this.equity_parts = equityParts;
    if (detail !== undefined) this.detail = detail;
    this.#build = lines;
  }

  get collateral(): CollateralBreakdownLine[] {
    if (this.#lines === undefined) {
      this.#lines = this.#build!();
      this.#build = undefined;
    }
    return this.#lines;
  }

  toJSON(): MarginBreakdown {
    const { scenario_loss, mm_loss_factor, im_loss_factor, contingencies, equity_parts, detail } = this;
    return { scenario_loss, mm_loss_factor, im_loss_factor, contingencies, equity_parts, ...(detail === undefined ? {} : { detail }), collateral: this.collateral };
  }
}
