// WebSocket /v1/stream: margin pushes from the live book (state.ts) as they happen.
//
// Authenticate with the API key either on the upgrade (`Authorization: Bearer <key>`, as servers
// do) or — what a browser can do, since it cannot set headers on a WebSocket — with a first
// message `{"op":"auth","key":"<key>"}` within `authTimeoutMs`. Never in the URL: URLs get logged.
// Then, with the `read` scope:
//   {"op":"subscribe","channel":"account","account_id":"a1"}  the account's margin after every
//        snapshot or change to it (the current one first); only accounts the key lists, else an
//        error that reads exactly like "no such account" — never data;
//   {"op":"subscribe","channel":"events"}  margin calls and status changes of the key's accounts,
//        and after each snapshot `snapshot_margined` (every event of that snapshot has been sent);
//   {"op":"unsubscribe", …the same…}, {"op":"ping"}.
// Every server message carries `seq`, 1, 2, 3… per connection, in the order the events happened.
// A consumer that does not read is dropped (close 4008) once `maxBufferedBytes` are queued for
// it, rather than buffering without bound.
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { ApiKeyRecord } from '../store/store.js';
import { authenticate, hashSecret } from './auth.js';
import type { LatestMargin } from './live-book.js';
import type { MarginBatch, ServiceState, StatusEvent } from './state.js';

export interface StreamOptions {
  /** Bytes queued unsent for one connection before it is dropped with CLOSE_SLOW_CONSUMER. Default 16 MiB. */
  maxBufferedBytes?: number;
  /** Time to send `{"op":"auth"}` when the upgrade carried no key. Default 10 s. */
  authTimeoutMs?: number;
  /** Account subscriptions per connection. Default 100,000 (an operator covering a venue). */
  maxSubscriptions?: number;
}

export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_SLOW_CONSUMER = 4008;

/** What a connection needs of a ws WebSocket (tests drive it with a fake). */
export interface StreamSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
}

/** ws keeps the TCP socket as `_socket` (ws 8); corked, a batch of frames leaves in one write. */
type Corkable = { _socket?: { cork?: () => void; uncork?: () => void } };

const OPEN = 1;
const SECRET = /^[A-Za-z0-9._~+/=-]{8,256}$/;

export class StreamConnection {
  seq = 0;
  key: ApiKeyRecord | undefined;
  readonly accounts = new Set<string>();
  events = false;
  closed = false;
  corked = false;
  private all = false;
  private allowed = new Set<string>();

  constructor(
    readonly socket: StreamSocket,
    private readonly maxBuffered: number,
    private readonly onDrop: (c: StreamConnection) => void,
  ) {}

  setKey(k: ApiKeyRecord): void {
    this.key = k;
    this.all = k.account_ids.includes('*');
    this.allowed = new Set(k.account_ids);
  }

  may(accountId: string): boolean {
    return this.all || this.allowed.has(accountId);
  }

  /** `body` is a JSON object text; it goes out with this connection's next seq first. */
  send(body: string): boolean {
    if (this.closed || this.socket.readyState !== OPEN) return false;
    if (this.socket.bufferedAmount > this.maxBuffered) {
      this.drop(CLOSE_SLOW_CONSUMER, `slow consumer: more than ${this.maxBuffered} bytes unsent`);
      return false;
    }
    this.seq++;
    this.socket.send(`{"seq":${this.seq},${body.slice(1)}`);
    return true;
  }

  /** Hold writes until uncork(): one syscall for a whole re-margin's messages, not one per frame. */
  cork(): void {
    if (this.corked) return;
    this.corked = true;
    (this.socket as Corkable)._socket?.cork?.();
  }

  uncork(): void {
    if (!this.corked) return;
    this.corked = false;
    (this.socket as Corkable)._socket?.uncork?.();
  }

  sendJson(msg: Record<string, unknown>): boolean {
    return this.send(JSON.stringify(msg));
  }

  drop(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.onDrop(this);
    // The close frame queues behind what is unsent; a peer that never reads is cut off.
    this.socket.close(code, reason);
    setTimeout(() => this.socket.terminate(), 5_000).unref();
  }
}

/** Fans each re-margin out to the connections that asked for it. */
export class StreamHub {
  private readonly byAccount = new Map<string, Set<StreamConnection>>();
  private readonly events = new Set<StreamConnection>();

  subscribeAccount(c: StreamConnection, id: string): void {
    let s = this.byAccount.get(id);
    if (s === undefined) this.byAccount.set(id, (s = new Set()));
    s.add(c);
    c.accounts.add(id);
  }

  unsubscribeAccount(c: StreamConnection, id: string): void {
    const s = this.byAccount.get(id);
    s?.delete(c);
    if (s?.size === 0) this.byAccount.delete(id);
    c.accounts.delete(id);
  }

  subscribeEvents(c: StreamConnection, on: boolean): void {
    c.events = on;
    if (on) this.events.add(c);
    else this.events.delete(c);
  }

  remove(c: StreamConnection): void {
    for (const id of [...c.accounts]) this.unsubscribeAccount(c, id);
    this.events.delete(c);
  }

  publish(b: MarginBatch): void {
    const corked: StreamConnection[] = [];
    try {
      this.fanOut(b, (c) => {
        if (!c.corked) {
          c.cork();
          corked.push(c);
        }
      });
    } finally {
      for (const c of corked) c.uncork();
    }
  }

  private fanOut(b: MarginBatch, touch: (c: StreamConnection) => void): void {
    if (this.byAccount.size > 0) {
      for (const u of b.updates) {
        const subs = this.byAccount.get(u.account_id);
        if (subs === undefined) continue;
        const body = marginText(u.account_id, u.margin, b.cause);
        for (const c of subs) {
          touch(c);
          c.send(body);
        }
      }
    }
    if (this.events.size === 0) return;
    const seen = new Map<StreamConnection, number>();
    for (const ev of b.events) {
      let body: string | undefined;
      for (const c of this.events) {
        if (!c.may(ev.account_id)) continue;
        body ??= eventText(ev, b.cause);
        touch(c);
        if (c.send(body)) seen.set(c, (seen.get(c) ?? 0) + 1);
      }
    }
    if (b.cause !== 'market') return;
    for (const c of this.events) {
      touch(c);
      c.sendJson({ type: 'snapshot_margined', channel: 'events', market_snapshot_id: b.market_snapshot_id, computed_at: b.computed_at, status_changes: seen.get(c) ?? 0 });
    }
  }
}

/** The margin payload: the figures, the status and their provenance. */
export function marginPayload(m: LatestMargin): Record<string, unknown> {
  if (m.ok) {
    const r = m.result;
    return {
      market_snapshot_id: r.market_snapshot_id, status: m.status,
      initial_margin: r.initial_margin, maintenance_margin: r.maintenance_margin, equity: r.equity, im_excess: r.im_excess, mm_excess: r.mm_excess,
      margin_currency: r.margin_currency, profile_hash: r.profile_hash, engine_version: r.engine_version, computed_at: m.computed_at,
      ...(m.ladder === undefined ? {} : { liquidation_status: m.ladder }),
      ...(m.degraded === undefined ? {} : { degraded: m.degraded }),
    };
  }
  return {
    market_snapshot_id: m.market_snapshot_id, status: 'error',
    initial_margin: null, maintenance_margin: null, equity: null, im_excess: null, mm_excess: null,
    error: m.error, profile_hash: m.profile_hash, engine_version: m.engine_version, computed_at: m.computed_at,
  };
}

export function marginMessage(accountId: string, m: LatestMargin, cause: string): Record<string, unknown> {
  return { type: 'margin', channel: 'account', account_id: accountId, cause, ...marginPayload(m) };
}

export function eventMessage(ev: StatusEvent, cause: string): Record<string, unknown> {
  return { type: ev.kind, channel: 'events', account_id: ev.account_id, cause, from: ev.from, to: ev.to, ...marginPayload(ev.margin) };
}

// The same messages as text, written directly: a snapshot fans out 10,000 of them, and building
// an object per message to stringify it was most of the fan-out's time. Equal to
// JSON.stringify(marginMessage(…)) / JSON.stringify(eventMessage(…)) (tested).

/** JSON string literals of the few strings every message of a batch repeats (ids, hashes, times). */
const quoted = new Map<string, string>();
function q(s: string): string {
  let t = quoted.get(s);
  if (t === undefined) {
    if (quoted.size > 1024) quoted.clear();
    quoted.set(s, (t = JSON.stringify(s)));
  }
  return t;
}

/** marginPayload(m) as JSON text without its braces; once per margin (an event and a push share it). */
const payloads = new WeakMap<LatestMargin, string>();
function payloadText(m: LatestMargin): string {
  let t = payloads.get(m);
  if (t !== undefined) return t;
  if (m.ok) {
    // Figures are finite (the engine refuses anything else), so String(x) is their JSON.
    const r = m.result;
    t =
      `"market_snapshot_id":${q(r.market_snapshot_id)},"status":${q(m.status)},"initial_margin":${String(r.initial_margin)},` +
      `"maintenance_margin":${String(r.maintenance_margin)},"equity":${String(r.equity)},"im_excess":${String(r.im_excess)},"mm_excess":${String(r.mm_excess)},` +
      `"margin_currency":${q(r.margin_currency)},"profile_hash":${q(r.profile_hash)},"engine_version":${q(r.engine_version)},"computed_at":${q(m.computed_at)}` +
      (m.ladder === undefined ? '' : `,"liquidation_status":${q(m.ladder)}`) +
      (m.degraded === undefined ? '' : `,"degraded":${JSON.stringify(m.degraded)}`);
  } else {
    t = JSON.stringify(marginPayload(m)).slice(1, -1);
  }
  payloads.set(m, t);
  return t;
}

export function marginText(accountId: string, m: LatestMargin, cause: string): string {
  return `{"type":"margin","channel":"account","account_id":${JSON.stringify(accountId)},"cause":${q(cause)},${payloadText(m)}}`;
}

export function eventText(ev: StatusEvent, cause: string): string {
  return `{"type":${q(ev.kind)},"channel":"events","account_id":${JSON.stringify(ev.account_id)},"cause":${q(cause)},"from":${q(ev.from)},"to":${q(ev.to)},${payloadText(ev.margin)}}`;
}

export async function registerStream(app: FastifyInstance, state: ServiceState, opts: StreamOptions = {}): Promise<void> {
  const maxBuffered = opts.maxBufferedBytes ?? 16 * 1024 * 1024;
  const authTimeout = opts.authTimeoutMs ?? 10_000;
  const maxSubs = opts.maxSubscriptions ?? 100_000;
  const hub = new StreamHub();
  state.onMargin((b) => hub.publish(b));

  const accept = (socket: WebSocket, req: FastifyRequest): void => {
    const c = new StreamConnection(socket, maxBuffered, (x) => hub.remove(x));
    let timer: NodeJS.Timeout | undefined;
    socket.on('close', () => {
      c.closed = true;
      clearTimeout(timer);
      hub.remove(c);
    });
    const error = (code: string, message: string, field?: string, value?: unknown): void => {
      c.sendJson({ type: 'error', code, message, ...(field === undefined ? {} : { field }), ...(value === undefined ? {} : { value }) });
    };
    // Messages are handled one at a time, in arrival order, after the upgrade's own key (auth is
    // async; a subscribe sent right after open must not overtake it).
    let chain: Promise<void> = Promise.resolve();
    if (req.headers.authorization !== undefined) {
      // The onRequest hook already refused a bad key with 401 before the upgrade.
      chain = authenticate(state.store, req).then((k) => authenticated(k));
    } else {
      timer = setTimeout(() => {
        if (c.key === undefined) {
          error('RG_HTTP_UNAUTHORIZED', `no {"op":"auth"} within ${authTimeout} ms`, 'op', null);
          c.drop(CLOSE_UNAUTHORIZED, 'authentication timeout');
        }
      }, authTimeout);
      timer.unref();
    }
    socket.on('message', (data, isBinary) => {
      chain = chain.then(() => onMessage(isBinary ? null : data.toString())).catch((err: unknown) => {
        req.log.error({ err }, 'stream message failed');
        error('RG_ERR_KERNEL', 'internal error');
      });
    });

    const onMessage = async (text: string | null): Promise<void> => {
      if (c.closed) return;
      let msg: unknown;
      try {
        msg = text === null ? undefined : JSON.parse(text);
      } catch {
        msg = undefined;
      }
      if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) return error('RG_ERR_PARSE', 'messages are JSON objects with an "op"', 'op', null);
      const m = msg as Record<string, unknown>;
      if (c.key === undefined) {
        if (m.op !== 'auth') {
          error('RG_HTTP_UNAUTHORIZED', 'authenticate first: {"op":"auth","key":"<api key>"} (or Authorization: Bearer on the upgrade)', 'op', typeof m.op === 'string' ? m.op.slice(0, 64) : null);
          return c.drop(CLOSE_UNAUTHORIZED, 'unauthenticated');
        }
        // The key itself is never echoed or logged.
        const k = typeof m.key === 'string' && SECRET.test(m.key) ? await state.store.getApiKeyByHash(hashSecret(m.key)) : undefined;
        if (k === undefined) {
          error('RG_HTTP_UNAUTHORIZED', 'unknown API key', 'key', null);
          return c.drop(CLOSE_UNAUTHORIZED, 'unknown API key');
        }
        clearTimeout(timer);
        return authenticated(k);
      }
      switch (m.op) {
        case 'auth':
          return error('RG_ERR_INVALID_INPUT', 'already authenticated', 'op', 'auth');
        case 'ping':
          c.sendJson({ type: 'pong' });
          return;
        case 'subscribe':
        case 'unsubscribe':
          return subscription(m, m.op === 'subscribe');
        default:
          return error('RG_ERR_INVALID_INPUT', 'op must be one of auth, subscribe, unsubscribe, ping', 'op', typeof m.op === 'string' ? m.op.slice(0, 64) : null);
      }
    };

    const authenticated = (k: ApiKeyRecord): void => {
      c.setKey(k);
      c.sendJson({ type: 'authenticated', key_id: k.id, scopes: k.scopes });
    };

    const subscription = async (m: Record<string, unknown>, on: boolean): Promise<void> => {
      if (!c.key!.scopes.includes('read')) return error('RG_HTTP_FORBIDDEN', `API key ${c.key!.id} lacks the "read" scope`, 'scope', 'read');
      if (m.channel === 'events') {
        hub.subscribeEvents(c, on);
        c.sendJson({ type: on ? 'subscribed' : 'unsubscribed', channel: 'events' });
        return;
      }
      if (m.channel !== 'account') return error('RG_ERR_INVALID_INPUT', 'channel must be "account" or "events"', 'channel', typeof m.channel === 'string' ? m.channel.slice(0, 64) : null);
      const id = m.account_id;
      if (typeof id !== 'string' || id.length === 0 || id.length > 128) return error('RG_ERR_INVALID_INPUT', 'account_id must be a string of 1..128 characters', 'account_id', null);
      if (!on) {
        hub.unsubscribeAccount(c, id);
        c.sendJson({ type: 'unsubscribed', channel: 'account', account_id: id });
        return;
      }
      // As over HTTP: another key's account reads exactly like one that does not exist.
      const entry = c.may(id) ? (await state.open(), state.book.get(id)) : undefined;
      if (entry === undefined) return error('RG_HTTP_NOT_FOUND', `no account ${id}`, 'account_id', id);
      if (!c.accounts.has(id) && c.accounts.size >= maxSubs) return error('RG_ERR_CAPACITY', `at most ${maxSubs} account subscriptions per connection`, 'account_id', id);
      hub.subscribeAccount(c, id);
      c.sendJson({ type: 'subscribed', channel: 'account', account_id: id });
      // The current margin first, then every change: no gap between reading and listening.
      if (entry.margin !== undefined) c.send(marginText(id, entry.margin, 'subscribe'));
    };

  };

  // An upgrade refused before reaching the route (401 from the auth hook, 429 from the rate limit,
  // 404) is answered on the raw socket, which no HTTP parser owns any more: release it, or it
  // stays open (and close() waits for it forever).
  app.addHook('onResponse', async (req, reply) => {
    if (req.raw.headers.upgrade !== undefined && reply.statusCode !== 101) req.raw.socket.destroy();
  });
  await app.register(async (scope) => {
    // Requests are small JSON; a client has no business sending megabytes.
    await scope.register(websocket, { options: { maxPayload: 64 * 1024 } });
    scope.get('/v1/stream', { websocket: true }, accept);
  });
}
