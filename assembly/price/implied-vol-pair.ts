// Two implied vols at once (f64x2): the lane-wise twin of ivF64 in implied-vol.ts, same
// operations in the same order. Returns false (and writes nothing) unless both lanes converge;
// the caller then solves the pair with the scalar code, which also sets the statuses.
import { black76OtmF64x2, black76GaussF64x2 } from './black76';
import { logF64x2 } from '../math/log';
import { INV_SQRT_2PI } from '../math/ncdf';
import { invNormLowerF64x2 } from './implied-vol-guess';
import { MAX_ITER, STEP_TOL, RESID_TOL, TINY, householderF64x2, h3F64x2, lowerStepF64x2 } from './implied-vol-steps';

/** Both lanes solved: stores their vols at pIv and returns true; otherwise returns false. */
// @ts-ignore: decorator
@inline
export function ivPairF64x2(F: v128, K: v128, T: v128, price: v128, df: v128, w: v128, pIv: usize): bool {
  const zero = f64x2.splat(0.0);
  const one = f64x2.splat(1.0);
  const wo = v128.bitselect(one, v128.bitselect(f64x2.splat(-1.0), w, f64x2.gt(F, K)), f64x2.lt(F, K));
  const p0 = f64x2.div(price, df);
  const p = v128.bitselect(p0, f64x2.sub(p0, f64x2.mul(w, f64x2.sub(F, K))), f64x2.eq(wo, w));
  // A price at intrinsic or too small to resolve: the scalar path gives its status.
  if (!i64x2.all_true(f64x2.ge(p, f64x2.mul(f64x2.splat(TINY), f64x2.max(F, K))))) return false;
  if (!i64x2.all_true(f64x2.gt(p, zero))) return false;

  const M = f64x2.max(F, K);
  const m = f64x2.min(F, K);
  const q = f64x2.div(m, M);
  const L = logF64x2(q);
  const sqrtFK = f64x2.mul(f64x2.sqrt(F), f64x2.sqrt(K));
  const sc = f64x2.sqrt(f64x2.mul(f64x2.splat(-2.0), L));
  const bc = v128.and(f64x2.max(black76OtmF64x2(M, q, zero, f64x2.neg(sc), one), zero), f64x2.lt(L, zero));
  const lower = f64x2.lt(p, bc);
  const anyLower = v128.any_true(lower);
  const L2 = f64x2.mul(L, L);
  const vInv = f64x2.splat(INV_SQRT_2PI);

  // Initial guesses as in ivF64.
  const qU = f64x2.div(f64x2.sub(m, p), f64x2.add(F, K));
  let s = f64x2.max(f64x2.mul(f64x2.splat(-2.0), invNormLowerF64x2(qU)), sc);
  let lnBeta = zero;
  if (anyLower) {
    lnBeta = logF64x2(f64x2.div(p, sqrtFK));
    const gc = logF64x2(f64x2.div(bc, sqrtFK));
    const s1 = f64x2.add(sc, lowerStepF64x2(gc, f64x2.div(f64x2.mul(m, vInv), bc), zero, h3F64x2(zero, f64x2.div(one, sc), L2), lnBeta));
    const ok1 = v128.and(f64x2.gt(s1, zero), f64x2.lt(s1, sc));
    const sLow = v128.bitselect(s1, f64x2.mul(sc, f64x2.sqrt(f64x2.div(gc, lnBeta))), ok1);
    s = v128.bitselect(sLow, s, lower);
  }

  let lo = zero;
  let hi = v128.bitselect(sc, f64x2.splat(Infinity), lower);
  let done = i64x2.splat(0);
  const residTol = f64x2.mul(f64x2.splat(RESID_TOL), p);
  const half = f64x2.splat(0.5);
  const two = f64x2.splat(2.0);
  for (let it = 0; it < MAX_ITER; it++) {
    const is = f64x2.div(one, s);
    const ep = f64x2.add(f64x2.mul(L, is), f64x2.mul(half, s));
    const em = f64x2.sub(ep, s);
    const gp = black76GaussF64x2(ep);
    const P = f64x2.max(black76OtmF64x2(M, q, ep, em, gp), zero);
    const v = f64x2.mul(f64x2.mul(m, gp), vInv);
    const below = f64x2.lt(P, p);
    lo = v128.bitselect(f64x2.max(lo, s), lo, below);
    hi = v128.bitselect(hi, f64x2.min(hi, s), below);
    const u = f64x2.mul(ep, em);
    const H2 = f64x2.mul(u, is);
    const H3 = h3F64x2(u, is, L2);
    let step = householderF64x2(f64x2.div(f64x2.sub(p, P), v), H2, H3);
    if (anyLower) {
      const stepL = lowerStepF64x2(logF64x2(f64x2.div(P, sqrtFK)), f64x2.div(v, P), H2, H3, lnBeta);
      step = v128.bitselect(stepL, step, lower);
    }
    const next = f64x2.add(s, step);
    const conv = v128.or(
      f64x2.le(f64x2.abs(step), f64x2.mul(f64x2.splat(STEP_TOL), s)),
      v128.andnot(f64x2.le(f64x2.abs(f64x2.sub(P, p)), residTol), lower),
    );
    const fb = v128.bitselect(f64x2.mul(half, f64x2.add(lo, hi)), f64x2.mul(two, s), f64x2.lt(hi, f64x2.splat(Infinity)));
    const inside = v128.and(f64x2.gt(next, lo), f64x2.lt(next, hi));
    s = v128.bitselect(s, v128.bitselect(next, fb, v128.or(inside, conv)), done);
    done = v128.or(done, conv);
    if (i64x2.all_true(done)) {
      v128.store(pIv, f64x2.div(s, f64x2.sqrt(T)));
      return true;
    }
  }
  return false;
}
