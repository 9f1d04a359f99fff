// Resolved positions → span positions: one combined commodity per underlying (or a mapping), the
// contract month (YYYYMM, UTC) of the position's expiry; perpetuals and spot take `perpetualMonth`.
import { RiskgridError } from '../../errors.js';
import type { ResolvedPositionEx } from '../standard/resolve.js';
import type { SpanPosition } from './types.js';

export function spanPositionsOf(positions: readonly ResolvedPositionEx[], commodityOf: (underlying: string) => string = (u) => u, perpetualMonth = '000000'): SpanPosition[] {
  return positions.map((p) => {
    if (p.settlement === 'inverse') throw new RiskgridError('RG_ERR_INVALID_INPUT', `span margins linear contracts only; ${p.id} is inverse`, { field: 'settlement', value: p.id });
    let month = perpetualMonth;
    if (p.expiry !== undefined) {
      const d = new Date(p.expiry);
      month = `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
    }
    return { ...p, commodity: commodityOf(p.underlying), month };
  });
}
