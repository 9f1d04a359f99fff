// Instrument kinds and group modes of the scenario plan; the values mirror host/margin/plan.ts
// (the host checks every kind and mode before a kernel sees them).

export const KIND_OPTION: i32 = 0; // Black-76 on the scenario forward
export const KIND_LINEAR: i32 = 1; // value = scenario forward

export const MODE_LINEAR: i32 = 0; // damp[s]·(disc(x) − base)
export const MODE_NEG_ABS: i32 = 1; // −|damp[s]·(disc(x) − base)|
export const MODE_BASIS_UP: i32 = 2; // min(x_s − base, x_{s+1} − base, 0)·aux[g]
export const MODE_BASIS_DOWN: i32 = 3; // partner of the preceding BASIS_UP slot: same value
