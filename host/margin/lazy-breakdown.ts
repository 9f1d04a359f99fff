// A MarginBreakdown whose per-asset collateral lines are built on first read, from the source the
// result was computed from. The lines are a prototype getter (an accessor in each result's object
// literal made a 10,000-account batch ~25 % slower) and toJSON writes them out, so JSON (and the
// service's replies) carry them as data. Object.keys lists the figures only.
import type { CollateralBreakdownLine, MarginBreakdown } from './result.js';

/** What the lines are built from: `lines(arg)` on first read (no closure per result). */
export interface LinesSource<A> {
  lines(arg: A): CollateralBreakdownLine[];
}

export class LazyBreakdown<A = unknown> implements MarginBreakdown {
  // `declare`: assigned in the constructor, not emitted as class fields (defining each field per
  // object cost the batch path a fifth, and `detail` must stay absent unless given).
  declare scenario_loss: number;
  declare mm_loss_factor: number;
  declare im_loss_factor: number;
  declare contingencies: Record<string, number>;
  declare equity_parts: Record<string, number>;
  declare detail?: Record<string, unknown>;
  #source: LinesSource<A> | undefined;
  #arg: A | CollateralBreakdownLine[];

  constructor(
    scenarioLoss: number, mmLossFactor: number, imLossFactor: number, contingencies: Record<string, number>, equityParts: Record<string, number>,
    source: LinesSource<A>, arg: A, detail?: Record<string, unknown>,
  ) {
    this.scenario_loss = scenarioLoss;
    this.mm_loss_factor = mmLossFactor;
    this.im_loss_factor = imLossFactor;
    this.contingencies = contingencies;
    this.equity_parts = equityParts;
    if (detail !== undefined) this.detail = detail;
    this.#source = source;
    this.#arg = arg;
  }

  get collateral(): CollateralBreakdownLine[] {
    if (this.#source !== undefined) {
      this.#arg = this.#source.lines(this.#arg as A);
      this.#source = undefined;
    }
    return this.#arg as CollateralBreakdownLine[];
  }

  toJSON(): MarginBreakdown {
    const { scenario_loss, mm_loss_factor, im_loss_factor, contingencies, equity_parts, detail } = this;
    return { scenario_loss, mm_loss_factor, im_loss_factor, contingencies, equity_parts, ...(detail === undefined ? {} : { detail }), collateral: this.collateral };
  }
}
