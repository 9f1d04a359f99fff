// Expiry tokens as venues write them: `27DEC26` (Deribit, 08:00 UTC), `5JAN27` (no leading zero),
// `20261227` (Derive style, also 08:00 UTC) and, for an expiry at another time of day,
// `27DEC26T0930`, `27DEC26T093015` or `27DEC26T093015.250` (UTC). The formatter writes the
// Deribit form and adds the time only when it is not 08:00:00.000, so format∘parse is the identity
// on canonical tokens and parse∘format is the identity on every instant in range.

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const MONTH_INDEX: Record<string, number> = Object.fromEntries(MONTHS.map((m, i) => [m, i]));

/** The default settlement time of day: 08:00 UTC (Deribit, Derive, OKX and Bybit all use it). */
export const DEFAULT_EXPIRY_HOUR_UTC = 8;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const DERIBIT = /^(\d{1,2})([A-Z]{3})(\d{2})(?:T(\d{2})(\d{2})(?:(\d{2})(?:\.(\d{3}))?)?)?$/;
const ISO_DAY = /^(\d{4})(\d{2})(\d{2})$/;

/** Parse an expiry token to a UTC instant in ms, or return undefined when it is not one. */
export function parseExpiryToken(token: string): number | undefined {
  let m = DERIBIT.exec(token);
  if (m !== null) {
    const month = MONTH_INDEX[m[2]!];
    if (month === undefined) return undefined;
    const year = 2000 + Number(m[3]);
    const hasTime = m[4] !== undefined;
    const h = hasTime ? Number(m[4]) : DEFAULT_EXPIRY_HOUR_UTC;
    const min = hasTime ? Number(m[5]) : 0;
    const s = m[6] !== undefined ? Number(m[6]) : 0;
    const ms = m[7] !== undefined ? Number(m[7]) : 0;
    return build(year, month, Number(m[1]), h, min, s, ms);
  }
  m = ISO_DAY.exec(token);
  if (m !== null) return build(Number(m[1]), Number(m[2]) - 1, Number(m[3]), DEFAULT_EXPIRY_HOUR_UTC, 0, 0, 0);
  return undefined;
}

function build(year: number, month: number, day: number, h: number, min: number, s: number, ms: number): number | undefined {
  if (h > 23 || min > 59 || s > 59 || day < 1 || month < 0 || month > 11 || year < 2000 || year > 2099) return undefined;
  const t = Date.UTC(year, month, day, h, min, s, ms);
  // Date.UTC rolls 31FEB over into March; a calendar day that does not exist is not an expiry.
  if (new Date(t).getUTCDate() !== day) return undefined;
  return t;
}

/** Smallest and largest instants an expiry token can name (2000-01-01 .. 2099-12-31, UTC). */
export const MIN_EXPIRY_MS = Date.UTC(2000, 0, 1);
export const MAX_EXPIRY_MS = Date.UTC(2100, 0, 1) - 1;

/** Format a UTC instant as a Deribit-style token; throws RangeError outside 2000–2099. */
export function formatExpiryToken(ms: number): string {
  if (!Number.isInteger(ms) || ms < MIN_EXPIRY_MS || ms > MAX_EXPIRY_MS) throw new RangeError(`expiry ${ms} is not an integer instant in 2000-2099`);
  const d = new Date(ms);
  const day = `${d.getUTCDate()}${MONTHS[d.getUTCMonth()]}${String(d.getUTCFullYear() - 2000).padStart(2, '0')}`;
  const inDay = ms - Math.floor(ms / DAY_MS) * DAY_MS;
  if (inDay === DEFAULT_EXPIRY_HOUR_UTC * HOUR_MS) return day;
  const hh = pad2(d.getUTCHours()) + pad2(d.getUTCMinutes());
  const sec = d.getUTCSeconds();
  const milli = d.getUTCMilliseconds();
  if (sec === 0 && milli === 0) return `${day}T${hh}`;
  if (milli === 0) return `${day}T${hh}${pad2(sec)}`;
  return `${day}T${hh}${pad2(sec)}.${String(milli).padStart(3, '0')}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
