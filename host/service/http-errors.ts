// One error shape for every HTTP answer: { error: { code, message, field, value } }.
// Engine errors keep their RG_ERR_* code; Fastify's own (schema, JSON, body size) map onto the
// nearest code, and the HTTP status tells client faults from ours. Two codes belong to the HTTP
// layer alone (no engine call raises them): RG_HTTP_NOT_FOUND (no such route) and
// RG_HTTP_NOT_BUILT (the risk page was not built).
import type { FastifyError } from 'fastify';
import { RiskgridError, type ErrorCode } from '../errors.js';

export interface HttpErrorBody {
  error: { code: string; message: string; field?: string; value?: unknown };
}

/** Codes that mean the service failed, not the request: 500, and logged. */
const SERVER_SIDE = new Set<ErrorCode>(['RG_ERR_WASM_LOAD', 'RG_ERR_ABI_MISMATCH', 'RG_ERR_KERNEL', 'RG_ERR_CAPACITY']);

/** An error the service raises itself with its own status (unknown profile → 404, page not built → 503). */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly value?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function httpError(e: unknown): { status: number; body: HttpErrorBody } {
  if (e instanceof HttpError) return { status: e.statusCode, body: { error: { code: e.code, message: e.message, field: e.field, value: e.value } } };
  if (e instanceof RiskgridError) return { status: SERVER_SIDE.has(e.code) ? 500 : 400, body: { error: e.toJSON() } };
  const fe = e as FastifyError & { validation?: Array<{ instancePath?: string; params?: Record<string, unknown>; message?: string }> };
  if (Array.isArray(fe.validation) && fe.validation.length > 0) {
    const v = fe.validation[0]!;
    const path = (v.instancePath ?? '').split('/').filter(Boolean);
    const missing = v.params?.missingProperty ?? v.params?.additionalProperty;
    if (typeof missing === 'string') path.push(missing);
    const field = path.join('.') || 'body';
    return { status: 400, body: { error: { code: 'RG_ERR_INVALID_INPUT', message: `${field}: ${v.message ?? 'invalid'}`, field, value: v.params } } };
  }
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500) {
    // FST_ERR_CTP_INVALID_JSON_BODY / FST_ERR_CTP_EMPTY_JSON_BODY: the body is not JSON.
    const parse = typeof fe.code === 'string' && fe.code.includes('JSON');
    const field = fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'content-type' : 'body';
    return { status, body: { error: { code: parse ? 'RG_ERR_PARSE' : 'RG_ERR_INVALID_INPUT', message: fe.message, field, value: fe.code } } };
  }
  // Unexpected: say so without leaking internals (the log has the stack).
  return { status: 500, body: { error: { code: 'RG_ERR_KERNEL', message: 'internal error' } } };
}
