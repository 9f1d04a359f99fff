// Liquidity haircut: the discount for selling `size` units into a market that trades `adv` units a
// day. Market impact grows roughly with the square root of the fraction of daily volume traded (the
// "square-root law": Almgren et al. 2005; Tóth et al. 2011), so
//   h_liq(size) = min(cap, base + k·√(size/ADV)),
// non-decreasing in size, equal to `base` at size 0 and to `cap` from
// size* = ADV·((cap − base)/k)² on. A large holding is therefore worth less per unit.
// params.ts requires cap ≤ (2 + base)/3: then the total counted s·(1 − h(s)) never falls as s grows
// (its derivative (1 − base) − 1.5·k·√(s/ADV) ≥ 0 whenever h(s) ≤ (2 + base)/3).

/** size ≥ 0 (units of the asset), adv > 0 (units per day); base ≤ cap, k ≥ 0 — validated upstream. */
export function liquidityHaircut(size: number, adv: number, base: number, k: number, cap: number): number {
  if (k === 0 || size === 0) return base < cap ? base : cap;
  const h = base + k * Math.sqrt(size / adv);
  return h < cap ? h : cap;
}
