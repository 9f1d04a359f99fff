// An open-loop load generator at a constant rate (the method of wrk2): request i is due at
// t0 + i / rate whatever happened before, and its latency runs from that due time, not from when
// a connection was free to send it. A server that stalls therefore pays for every request that
// should have gone out during the stall (no coordinated omission), and the rate is smooth: not
// autocannon's per-second quota, which sends a second's requests back to back from its start.
// Raw HTTP/1.1 over keep-alive sockets, one request in flight per socket; requests due while
// every socket is busy wait in a queue (their wait counts). Between due times the generator
// sleeps in slices of at most 0.2 ms (Atomics.wait) and lets I/O run (setImmediate): sends leave
// within ~0.2 ms of their due time without spinning a core the server needs (a 1 ms timer would
// add up to a millisecond to every request); whatever lateness remains counts. How late the
// generator itself sent (a request due while a socket was free: its own lateness, the server's
// not yet) is reported apart, so that a stall of the generator is told from one of the server.
import { connect } from 'node:net';

/**
 * Offer `rate` req/s for `duration` s to POST `url` (bodies in turn) over `connections` sockets.
 * Resolves with { requests, req_per_s, p50_ms, p99_ms, p999_ms, max_ms, send_late_p99_ms,
 * send_late_max_ms, non2xx, errors }: send_late_* over the requests sent on a free socket.
 */
export function openLoop({ url, headers, bodies, rate, duration, connections }) {
  const u = new URL(url);
  const head = `POST ${u.pathname}${u.search} HTTP/1.1\r\nhost: ${u.host}\r\nconnection: keep-alive\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}`;
  const requests = bodies.map((b) => Buffer.from(`${head}content-length: ${Buffer.byteLength(b)}\r\n\r\n${b}`));
  const total = Math.round(rate * duration);
  const latencies = new Float64Array(total);
  const sendLate = new Float64Array(total);
  let sentFree = 0;
  const intervalMs = 1000 / rate;
  let next = 0; // the next request to send
  let done = 0;
  let non2xx = 0;
  let errors = 0;
  const idle = [];
  const queue = []; // due request indices waiting for a socket

  return new Promise((resolve, reject) => {
    let t0 = 0;
    let stopped = false;
    const sleeper = new Int32Array(new SharedArrayBuffer(4));
    const finish = () => {
      stopped = true;
      for (const s of sockets) s.destroy();
      const sorted = latencies.slice(0, done).sort();
      const late = sendLate.slice(0, sentFree).sort();
      const q = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];
      const elapsed = (performance.now() - t0) / 1000;
      resolve({ requests: done, req_per_s: done / elapsed, p50_ms: q(sorted, 0.5), p99_ms: q(sorted, 0.99), p999_ms: q(sorted, 0.999), max_ms: sorted[sorted.length - 1], send_late_p99_ms: q(late, 0.99) ?? 0, send_late_max_ms: late[late.length - 1] ?? 0, non2xx, errors });
    };
    const send = (s, i) => {
      s.dueIndex = i;
      s.write(requests[i % requests.length]);
    };
    const onAnswer = (s, status) => {
      latencies[done++] = performance.now() - (t0 + s.dueIndex * intervalMs);
      if (status < 200 || status > 299) non2xx++;
      if (done === total) return finish();
      if (queue.length > 0) send(s, queue.shift());
      else idle.push(s);
    };
    const pump = () => {
      if (stopped) return;
      const now = performance.now() - t0;
      const due = Math.min(total, Math.floor(now / intervalMs) + 1);
      for (; next < due; next++) {
        const s = idle.pop();
        if (s === undefined) queue.push(next);
        else {
          sendLate[sentFree++] = now - next * intervalMs;
          send(s, next);
        }
      }
      const wait = next < total ? next * intervalMs - now : 0.2;
      if (wait > 0.02) Atomics.wait(sleeper, 0, 0, Math.min(wait, 0.2));
      setImmediate(pump);
    };
    const sockets = Array.from({ length: connections }, () => {
      const s = connect(Number(u.port), u.hostname);
      s.setNoDelay(true);
      let buf = Buffer.alloc(0);
      s.on('data', (chunk) => {
        buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
        // One answer at a time per socket: status line, headers, a content-length body.
        for (;;) {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) return;
          const headerText = buf.subarray(0, end).toString('latin1');
          const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(headerText)?.[1] ?? NaN);
          if (!Number.isFinite(length)) return s.destroy(new Error(`answer without content-length: ${headerText.slice(0, 200)}`));
          if (buf.length < end + 4 + length) return;
          buf = buf.subarray(end + 4 + length);
          onAnswer(s, Number(headerText.slice(9, 12)));
        }
      });
      s.on('error', (e) => {
        errors++;
        stopped = true;
        reject(e);
      });
      return s;
    });
    let connected = 0;
    for (const s of sockets) {
      s.once('connect', () => {
        idle.push(s);
        if (++connected === connections) {
          t0 = performance.now();
          pump();
        }
      });
    }
  });
}

// Run as a child (fork): the generator then has its own heap and threads, away from the bench
// process's autocannon runs. It takes one config message and answers with the figures and its CPU.
if (process.send !== undefined && process.argv[1] === new URL(import.meta.url).pathname) {
  process.once('message', async (config) => {
    const cpu0 = process.cpuUsage();
    try {
      const r = await openLoop(config);
      const cpu = process.cpuUsage(cpu0);
      process.send({ ok: true, result: { ...r, cpu_us: cpu.user + cpu.system } }, () => process.exit(0));
    } catch (e) {
      process.send({ ok: false, error: String(e?.stack ?? e) }, () => process.exit(1));
    }
  });
}
