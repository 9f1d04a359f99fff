// One account's option slots in the reference's canonical order: seconds to expiry, then strike,
// then put before call (arrangeDerivePortfolio's expiryOrder and byStrikeThenType). Slots are
// distinct, so there are no ties and every method below gives the same order.
import type { DerivePmrm2Snapshot } from './derive-pmrm2-snapshot.js';

/**
 * Writes the nList slots of `list` into `sorted` in canonical order. `mark` is zeroed scratch of
 * at least ctx.rank.length bytes (left zeroed).
 */
export function sortCanonical(ctx: DerivePmrm2Snapshot, list: Int32Array, nList: number, sorted: Int32Array, mark: Uint8Array): void {
  const rank = ctx.rank;
  const bySlot = ctx.rankSlot;
  const nSlots = rank.length;
  if (nSlots !== ctx.slotRow.length) {
    // Slots met in this batch have no rank yet (ranks are redone once per batch, in reset).
    sortByFields(ctx, list, nList, sorted);
  } else if (4 * nSlots < nList * nList) {
    // The account holds a good share of the snapshot's options: scan the marked ranks.
    for (let i = 0; i < nList; i++) mark[rank[list[i]!]!] = 1;
    let m = 0;
    for (let k = 0; m < nList; k++) {
      if (mark[k] === 0) continue;
      mark[k] = 0;
      sorted[m++] = bySlot[k]!;
    }
  } else {
    // A few options: insertion sort of their ranks.
    for (let i = 0; i < nList; i++) {
      const k = rank[list[i]!]!;
      let j = i;
      while (j > 0 && sorted[j - 1]! > k) {
        sorted[j] = sorted[j - 1]!;
        j--;
      }
      sorted[j] = k;
    }
    for (let i = 0; i < nList; i++) sorted[i] = bySlot[sorted[i]!]!;
  }
}

function sortByFields(ctx: DerivePmrm2Snapshot, list: Int32Array, nList: number, sorted: Int32Array): void {
  const { slotSec: sec, slotStrike: strike, slotCall: call } = ctx;
  for (let i = 0; i < nList; i++) {
    const s = list[i]!;
    let j = i;
    for (; j > 0; j--) {
      const t = sorted[j - 1]!;
      if (!((sec[t]! - sec[s]! || strike[t]! - strike[s]! || call[t]! - call[s]!) > 0)) break;
      sorted[j] = t;
    }
    sorted[j] = s;
  }
}
