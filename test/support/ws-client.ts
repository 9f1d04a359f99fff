// A WebSocket test client for /v1/stream: keeps every message in arrival order, wakes a waiting
// `until` on each message, and records how the server closed the socket.
import WebSocket from 'ws';

export type Message = Record<string, any>;

export class WsClient {
  readonly msgs: Message[] = [];
  closed: { code: number; reason: string } | undefined;
  private waiters: Array<() => void> = [];

  private constructor(
    readonly ws: WebSocket,
    /** How long `until` waits by default. */
    private readonly waitMs: number,
  ) {
    ws.on('message', (d) => {
      this.msgs.push(JSON.parse(d.toString()) as Message);
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** `secret`: sent as the Bearer key on the upgrade; without one, no Authorization header. */
  static open(url: string, secret?: string, waitMs = 10_000): Promise<WsClient> {
    const ws = new WebSocket(url, secret === undefined ? {} : { headers: { authorization: `Bearer ${secret}` } });
    const c = new WsClient(ws, waitMs);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(c));
      ws.once('error', reject);
    });
  }

  send(o: unknown): void {
    this.ws.send(JSON.stringify(o));
  }

  /** The first message (in arrival order) matching `pred`, waiting up to `ms` for it. */
  async until(pred: (m: Message) => boolean, ms = this.waitMs): Promise<Message> {
    const end = Date.now() + ms;
    for (;;) {
      const hit = this.msgs.find(pred);
      if (hit !== undefined) return hit;
      if (this.closed !== undefined) throw new Error(`closed ${this.closed.code} ${this.closed.reason} before a matching message; got ${JSON.stringify(this.msgs).slice(0, 3000)}`);
      if (Date.now() > end) throw new Error(`no matching message in ${ms} ms; got ${JSON.stringify(this.msgs).slice(0, 3000)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  async closedWith(ms = this.waitMs): Promise<{ code: number; reason: string }> {
    await this.until(() => false, ms).catch(() => undefined);
    if (this.closed === undefined) throw new Error('still open');
    return this.closed;
  }

  close(): void {
    this.ws.close();
  }
}
