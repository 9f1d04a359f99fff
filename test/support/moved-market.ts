// A market snapshot JSON with one underlying moved: index, perp, every forward and the collateral
// of the same name scaled by `factor`, under a new id and `ms` later (tests of ticks and pushes).
export function movedMarket(base: Record<string, any>, underlying: string, factor: number, id: string, ms: number): Record<string, any> {
  const m = structuredClone(base);
  m.snapshot_id = id;
  m.timestamp = base.timestamp + ms;
  const u = m.underlyings[underlying];
  u.index_price *= factor;
  if (u.perp_price !== undefined) u.perp_price *= factor;
  for (const e of Object.values(u.expiries) as Array<{ forward: number }>) e.forward *= factor;
  if (m.collateral?.[underlying] !== undefined) m.collateral[underlying].price *= factor;
  return m;
}
