// Public API of riskgrid (Node entry).
export { RiskgridError, ERROR_CODES } from './errors.js';
export type { ErrorCode } from './errors.js';
export { loadWasm, loadWasmSync, compile, compileSync, instantiate, defaultVariant, wasmUrl, HOST_ABI_VERSION } from './wasm/loader.js';
export type { RiskgridWasm, Variant, LoadOptions } from './wasm/loader.js';
export { Arena, Column } from './wasm/arena.js';
export { simdSupported } from './wasm/simd-detect.js';
// Domain model, market snapshots, profiles (issue 3 requirement 1).
export { parseInstrumentId, formatInstrumentId, formatStrike } from './model/ids.js';
export type { InstrumentFields } from './model/ids.js';
export { parseExpiryToken, formatExpiryToken, DEFAULT_EXPIRY_HOUR_UTC } from './model/expiry.js';
export { DERIBIT_CONVENTIONS, DERIVE_CONVENTIONS, conventions, yearFraction, MS_PER_YEAR } from './model/instrument.js';
export type { Instrument, InstrumentKind, Settlement, OptionType, IdConventions } from './model/instrument.js';
export { instrumentFromSpec } from './model/spec.js';
export { accountToJson } from './model/account.js';
export type { Account, Position, AccountJson, PositionJson } from './model/account.js';
export { parseAccount, parseAccountJson } from './model/validate.js';
export type { AccountOptions } from './model/validate.js';
export { checkSchema } from './model/schema.js';
export type { Schema } from './model/schema.js';
export { MarketSnapshot } from './market/snapshot.js';
export type { Feed, ExpiryMarket, UnderlyingMarket, StablecoinMarket, SnapshotData } from './market/snapshot.js';
export { parseMarketSnapshot, parseMarketSnapshotJson } from './market/validate.js';
export { snapshotToJson } from './market/snapshot-json.js';
export type { SnapshotOptions } from './market/validate.js';
export { registerSurfaceProvider, surfaceProvider, surfaceKinds } from './market/vol-provider.js';
export type { VolSurface, SurfaceProvider } from './market/vol-provider.js';
export { registerMethodology, getMethodology, listMethodologies, parseProfile, loadProfile, listProfiles, PROFILES_DIR } from './profiles/registry.js';
export type { Methodology, Profile, ProfileOptions } from './profiles/registry.js';
export { canonicalJson, contentHash } from './profiles/hash.js';
// Volatility surfaces and static-arbitrage checks (issue 11). SviSurface and GridSurface satisfy
// the VolSurface hook above and can be given to MarketSnapshot.setSurface.
export { SviSurface, validateSvi, sviTotalVariance, sviG } from './market/svi.js';
export type { SviParams, SviSliceInput, SviSurfaceInput } from './market/svi.js';
export { GridSurface, SlicedSurface } from './market/surface.js';
export type { GridSliceInput, GridSurfaceInput } from './market/surface.js';
export { ingestSurface, checkArbitrage } from './market/arbitrage.js';
export type { ArbitrageCheck, ArbitrageReport, ArbitrageViolation, ArbitrageOptions, ArbitragePolicy, IngestOptions, IngestedSurface, SurfaceInput } from './market/arbitrage.js';
// Collateral valuation (issue 11).
export { CollateralValuer, valueCollateral } from './collateral/value.js';
export type { CollateralAccount, CollateralBalance, UnrealisedPnl, CollateralValuation, CollateralLine, UnrealisedPnlLine, CollateralTotals, CollateralFlag, CollateralFlagKind } from './collateral/value.js';
export { validateCollateralParams } from './collateral/params.js';
export type { CollateralParams, AssetParams, LiquidityParams, ReferenceParams, DegradedPolicy } from './collateral/params.js';
export { liquidityHaircut } from './collateral/liquidity.js';
export type { CollateralMarket, CollateralPrice } from './collateral/reference.js';
export { defaultCollateralParams, collateralMarketOf } from './collateral/profile.js';
export type { CollateralBreakdownLine } from './margin/result.js';
export type { CollateralFeed } from './market/snapshot.js';
export type { SurfaceContext } from './market/vol-provider.js';
export { snapshotArbitrage, buildSviSurface, buildGridSurface } from './market/surface-providers.js';
export type { SurfaceArbitrage } from './market/surface-providers.js';
// Implied volatility over the WebAssembly kernel, and the plain-TypeScript reference formulas.
export { impliedVolBatch, ivStatusCode, ivStatusField, ivItemError, IV_STATUS } from './price/implied-vol.js';
export type { ImpliedVolInput, ImpliedVolResult } from './price/implied-vol.js';
export { black76Price, black76Greeks, bsmPrice, bsmGreeks } from './reference/black.js';
export type { Greeks } from './reference/black.js';
export { black76ImpliedVol, bsmImpliedVol } from './reference/implied-vol.js';
export { inverseBlack76 } from './reference/inverse.js';
export { createPricer, ColumnBatch, omegaOf } from './price/pricer.js';
export type { Pricer, PricingInput, Black76Input, BsmInput, BatchOptions, PriceResult, GreeksResult, InverseResult, OptionType as PricerOptionType, Output as PricerOutput } from './price/pricer.js';
export { STATUS, statusInfo } from './price/status.js';
export type { StatusInfo, PricingModel } from './price/status.js';

// Margin engine (issue 3)
export { createEngine, Engine } from './margin/engine.js';
export type { EngineOptions, MarginOptions, AccountInput, MarketInput } from './margin/engine.js';
export type { MarginResult, MarginOutcome, WhatIfResult, MarginBreakdown, WorstScenario, ScenarioInfo, GreekSet, PositionGreeks, FailureInfo } from './margin/result.js';
export type { MarginMethodology, MethodologyContext, MethodologyOutcome, PlanEvaluator } from './margin/methodology.js';
export { registerBuiltinMethodologies } from './margin/builtin.js';
export { ENGINE_VERSION } from './version.js';
export * from './margin/plan.js';
export { evaluatePlanTs } from './margin/evaluate-ts.js';
// Risk kernels over a plan (issue 3 req. 2): one-shot evaluator, and the split API for engines
// that build the instrument table once per snapshot and aggregate many row batches against it.
export { evaluatePlanWasm } from './margin/evaluate-wasm.js';
export { ScenarioTable, PackedRows } from './margin/scenario-table-wasm.js';
export type { RowsView } from './margin/scenario-table-wasm.js';
export { riskKernels, runTable, runRows } from './margin/risk-kernels-wasm.js';
export type { RiskKernels, KernelWidth, TableLayout, RowsLayout } from './margin/risk-kernels-wasm.js';
// The venue engine (issue 5): every account of a venue on a worker pool over shared memory.
export { VenueEngine, FailedInput } from './pool/venue-engine.js';
export type { VenueOptions, VenueAccountResult, VenueTotals, VenueRun, VenueLoadReport } from './pool/venue-engine.js';
export type { VenueStatus } from './pool/venue-layout.js';
export { synthMultiVenue, poolProfile } from './venue/synth-multi.js';
