// SPAN spread offsets from composite deltas.
// Intra-commodity (calendar): inside each tier, long and short month deltas spread 1:1 at the
// tier's rate; then tier net deltas spread pairwise in the listed priority at the pair's rate.
// Inter-commodity: spreads in priority order; a spread forms when every side-A leg's remaining
// net delta has one sign and every side-B leg's the other; spreads = min over legs of
// |remaining delta| / deltaRatio; each leg earns spreads × ratio × weighted price risk × credit
// rate, and its remaining delta moves toward zero by spreads × ratio.
import type { SpanCommodityResult } from './finish.js';
import type { SpanCommodity, SpanParams } from './types.js';

export function intraCharge(c: SpanCommodity, monthDelta: Map<string, number>): { charge: number; spreads: number; netDelta: number } {
  let charge = 0,
    spreads = 0,
    netDelta = 0;
  const net = new Map<string, number>();
  for (const t of c.tiers) {
    let long = 0,
      short = 0;
    for (const [month, d] of monthDelta) {
      if (month < t.fromMonth || month > t.toMonth) continue;
      if (d > 0) long += d;
      else short -= d;
    }
    const n = Math.min(long, short);
    charge += n * t.intraRate;
    spreads += n;
    net.set(t.name, long - short);
  }
  for (const sp of c.tierSpreads) {
    const a = net.get(sp.tiers[0])!;
    const b = net.get(sp.tiers[1])!;
    if (a * b >= 0) continue;
    const n = Math.min(Math.abs(a), Math.abs(b));
    charge += n * sp.rate;
    spreads += n;
    net.set(sp.tiers[0], a - Math.sign(a) * n);
    net.set(sp.tiers[1], b - Math.sign(b) * n);
  }
  for (const d of monthDelta.values()) netDelta += d;
  return { charge, spreads, netDelta };
}

/** Applies credits to `comms` (interSpreadCredit) and returns what each spread formed. */
export function interCredits(params: SpanParams, comms: SpanCommodityResult[]): { name: string; spreads: number; credit: number }[] {
  const by = new Map(comms.map((c) => [c.commodity, c]));
  const remaining = new Map(comms.map((c) => [c.commodity, c.netDelta]));
  const wpr = new Map(
    comms.map((c) => {
      let w = c.netDelta === 0 ? 0 : c.priceRisk / Math.abs(c.netDelta);
      if (params.wprMethod === 'scanRangeCap') w = Math.min(w, params.commodities[c.commodity]!.priceScanRange);
      return [c.commodity, w];
    }),
  );
  const out: { name: string; spreads: number; credit: number }[] = [];
  for (const sp of params.interSpreads) {
    if (!sp.legs.every((l) => by.has(l.commodity))) continue;
    const signA = Math.sign(remaining.get(sp.legs.find((l) => l.side === 'A')!.commodity)!);
    if (signA === 0) continue;
    const ok = sp.legs.every((l) => Math.sign(remaining.get(l.commodity)!) === (l.side === 'A' ? signA : -signA));
    if (!ok) continue;
    const n = Math.min(...sp.legs.map((l) => Math.abs(remaining.get(l.commodity)!) / l.deltaRatio));
    let credit = 0;
    for (const l of sp.legs) {
      const used = n * l.deltaRatio;
      const cr = used * wpr.get(l.commodity)! * sp.creditRate;
      by.get(l.commodity)!.interSpreadCredit += cr;
      credit += cr;
      const r = remaining.get(l.commodity)!;
      remaining.set(l.commodity, r - Math.sign(r) * Math.min(used, Math.abs(r)));
    }
    out.push({ name: sp.name, spreads: n, credit });
  }
  return out;
}
