// Householder steps of the implied-vol solver (implied-vol.ts), f64 and f64x2 with the same
// operation order (identical bits), and the solver's tolerances.
//   P(s): undiscounted OTM Black price in total vol s; P″/P′ = u/s and
//   P‴/P′ = (u² − u)/s² − 2L²/s⁴ − 1/2 with u = e+·e−, L = ln(min/max of F, K).
//   Upper branch objective P(s) − p; lower branch 1/ln β(s) − 1/ln β* (β = P/√(FK)), whose
//   derivative ratios follow from g = ln β: g′ = λ = P′/P, g″ = λ(H2 − λ), g‴ = λ(H3 − 3λH2 + 2λ²).

export const MAX_ITER: i32 = 24;
export const STEP_TOL: f64 = 1e-6; // relative step; cubic convergence leaves ~1e-18 after it
export const RESID_TOL: f64 = 8 * 2.220446049250313e-16; // times the target: rounding level of P(s)
// Below TINY·max(F, K) the OTM price is under e^(−667): the price formula's Gaussian factor
// nears its floor (black76.ts clamps e^(−x) at x = 708) and subnormals lose digits, so P(s) can
// no longer pin the vol down. Such prices get ST_IV_NO_CONVERGENCE rather than a wrong number.
export const TINY: f64 = 1e-290;

/** Householder (3rd order) step from nu = −f/f′, h2 = f″/f′, h3 = f‴/f′. */
// @ts-ignore: decorator
@inline
export function householderF64(nu: f64, h2: f64, h3: f64): f64 {
  return (nu * (1.0 + 0.5 * h2 * nu)) / (1.0 + nu * (h2 + h3 * nu * (1.0 / 6.0)));
}

/** P‴/P′ = (u² − u)/s² − 2L²/s⁴ − 1/2 with u = e+·e− (and P″/P′ = u/s). */
// @ts-ignore: decorator
@inline
export function h3F64(u: f64, is: f64, L2: f64): f64 {
  return (u * u - u) * is * is - 2.0 * L2 * is * is * is * is - 0.5;
}

/** Step on the lower objective 1/ln β(s) − 1/ln β* (g = ln β(s), lam = P′/P). */
// @ts-ignore: decorator
@inline
export function lowerStepF64(g: f64, lam: f64, H2: f64, H3: f64, lnBeta: f64): f64 {
  const ig = 1.0 / g;
  const nu = (g - g * g / lnBeta) / lam;
  const h2 = H2 - lam - 2.0 * lam * ig;
  const lam2 = lam * lam; // grouped exactly as in the f64x2 path: identical bits
  const h3 = H3 - 3.0 * lam * H2 + 2.0 * lam2 - 6.0 * lam * (H2 - lam) * ig + 6.0 * lam2 * ig * ig;
  return householderF64(nu, h2, h3);
}

// f64x2 twins of the three functions above (same operation order).
// @ts-ignore: decorator
@inline
export function householderF64x2(nu: v128, h2: v128, h3: v128): v128 {
  const one = f64x2.splat(1.0);
  const num = f64x2.mul(nu, f64x2.add(one, f64x2.mul(f64x2.mul(f64x2.splat(0.5), h2), nu)));
  const den = f64x2.add(one, f64x2.mul(nu, f64x2.add(h2, f64x2.mul(f64x2.mul(h3, nu), f64x2.splat(1.0 / 6.0)))));
  return f64x2.div(num, den);
}

// @ts-ignore: decorator
@inline
export function h3F64x2(u: v128, is: v128, L2: v128): v128 {
  const a = f64x2.mul(f64x2.mul(f64x2.sub(f64x2.mul(u, u), u), is), is);
  const b = f64x2.mul(f64x2.mul(f64x2.mul(f64x2.mul(f64x2.mul(f64x2.splat(2.0), L2), is), is), is), is);
  return f64x2.sub(f64x2.sub(a, b), f64x2.splat(0.5));
}

// @ts-ignore: decorator
@inline
export function lowerStepF64x2(g: v128, lam: v128, H2: v128, H3: v128, lnBeta: v128): v128 {
  const two = f64x2.splat(2.0);
  const six = f64x2.splat(6.0);
  const ig = f64x2.div(f64x2.splat(1.0), g);
  const nu = f64x2.div(f64x2.sub(g, f64x2.div(f64x2.mul(g, g), lnBeta)), lam);
  const h2 = f64x2.sub(f64x2.sub(H2, lam), f64x2.mul(f64x2.mul(two, lam), ig));
  const lam2 = f64x2.mul(lam, lam);
  const h3 = f64x2.add(
    f64x2.sub(
      f64x2.add(f64x2.sub(H3, f64x2.mul(f64x2.mul(f64x2.splat(3.0), lam), H2)), f64x2.mul(two, lam2)),
      f64x2.mul(f64x2.mul(f64x2.mul(six, lam), f64x2.sub(H2, lam)), ig),
    ),
    f64x2.mul(f64x2.mul(f64x2.mul(six, lam2), ig), ig),
  );
  return householderF64x2(nu, h2, h3);
}
