import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type ErrnoError, nodeModules, type Socket } from '../src/node/index.js';
import { type NodeLab, nodeLab, once } from './node-lab.js';

let t: NodeLab;
afterEach(() => t?.close());

/** Everything a socket reads until its end, as text. */
function collect(s: Socket): Promise<string> {
  const parts: Buffer[] = [];
  s.on('data', (d: Buffer) => parts.push(d));
  return new Promise((resolve, reject) => {
    s.once('end', () => resolve(Buffer.concat(parts).toString()));
    s.once('error', reject);
  });
}

/** A deterministic byte stream of `total` bytes in `chunk`-byte pieces. */
function source(total: number, chunk = 64 * 1024): Readable {
  let sent = 0;
  let seed = 12345;
  return new Readable({
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const n = Math.min(chunk, total - sent);
      const b = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        b[i] = seed >>> 24;
      }
      sent += n;
      this.push(b);
    },
  });
}

/** A sink that hashes what it gets, slowly (one event-loop turn per chunk). */
function hasher(): { sink: Writable; digest: () => string; bytes: () => number } {
  const h = createHash('sha256');
  let n = 0;
  const sink = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _enc, cb) {
      h.update(chunk);
      n += chunk.length;
      setImmediate(cb);
    },
  });
  return { sink, digest: () => h.digest('hex'), bytes: () => n };
}

async function digestOf(r: Readable): Promise<string> {
  const h = createHash('sha256');
  for await (const c of r) h.update(c as Buffer);
  return h.digest('hex');
}

describe('net over vnet', () => {
  it('echoes between two stacks: createServer on one, connect from the other', async () => {
    t = nodeLab();
    const { a, b } = t;
    const accepted: Socket[] = [];
    const server = b.m.net.createServer((s) => {
      accepted.push(s);
      s.pipe(s);
    });
    let listening = false;
    server.listen(7, () => {
      listening = true;
    });
    expect(server.listening).toBe(true);
    expect(server.address()).toEqual({ address: '0.0.0.0', family: 'IPv4', port: 7 });
    await t.until(() => listening);

    const client = a.m.net.connect(7, '10.0.0.2');
    expect(client.connecting).toBe(true);
    expect(client.pending).toBe(true);
    expect(client.readyState).toBe('opening');
    await t.drive(once(client, 'connect'));
    expect(client.connecting).toBe(false);
    expect(client.readyState).toBe('open');
    expect(client.remoteAddress).toBe('10.0.0.2');
    expect(client.remotePort).toBe(7);
    expect(client.remoteFamily).toBe('IPv4');
    expect(client.localAddress).toBe('10.0.0.1');
    expect(client.address()).toEqual({ address: '10.0.0.1', family: 'IPv4', port: client.localPort });
    expect(client.localPort).toBeGreaterThanOrEqual(32768);

    const text = collect(client);
    const closed = once<[boolean]>(client, 'close');
    client.write('hello ');
    client.end('world');
    expect(await t.drive(text)).toBe('hello world');
    const [hadError] = await t.drive(closed);
    expect(hadError).toBe(false);
    expect(client.bytesRead).toBe(11);
    expect(client.bytesWritten).toBe(11);
    // Written before the connection exists (while the name is looked up, then during the handshake).
    const early = a.m.net.connect(7, 'b');
    const earlyText = collect(early);
    early.end('early bird');
    expect(await t.drive(earlyText)).toBe('early bird');
    accepted.pop();
    expect(accepted).toHaveLength(1);
    expect(accepted[0].remoteAddress).toBe('10.0.0.1');
    expect(accepted[0].remotePort).toBe(client.localPort);
    await t.until(() => accepted[0].destroyed);

    const serverClosed = once(server, 'close');
    server.close();
    await t.drive(serverClosed);
    expect(a.handles.live).toBe(0);
    expect(b.handles.live).toBe(0);
    expect(a.handles.opened).toBe(2);
    expect(b.handles.opened).toBe(3);
  });

  it('resolves host names through the lookup it was given, and reports unknown ones as ENOTFOUND', async () => {
    t = nodeLab();
    const { a, b } = t;
    const server = b.m.net.createServer((s) => s.end('hi from b'));
    server.listen({ port: 9000, host: 'b' });
    await t.drive(once(server, 'listening'));
    expect(server.address()).toEqual({ address: '10.0.0.2', family: 'IPv4', port: 9000 });

    const lookups: unknown[][] = [];
    const client = a.m.net.createConnection({ host: 'b', port: 9000 });
    client.on('lookup', (...args: unknown[]) => lookups.push(args));
    expect(await t.drive(collect(client))).toBe('hi from b');
    expect(lookups).toEqual([[null, '10.0.0.2', 4, 'b']]);

    const bad = a.m.net.connect(9000, 'nowhere');
    const [err] = await t.drive(once<[ErrnoError]>(bad, 'error'));
    expect(err.code).toBe('ENOTFOUND');
    expect(err.syscall).toBe('getaddrinfo');
    expect(err.hostname).toBe('nowhere');
    expect(err.message).toBe('getaddrinfo ENOTFOUND nowhere');
    await t.until(() => bad.destroyed);
    server.close();
    await t.until(() => a.handles.live === 0 && b.handles.live === 0);
  });

  it('reports a refused connection as Node does: ECONNREFUSED with errno, syscall, address and port', async () => {
    t = nodeLab();
    const { a } = t;
    const s = a.m.net.connect({ port: 81, host: '10.0.0.2' });
    const events: string[] = [];
    s.on('connect', () => events.push('connect'));
    const error = once<[ErrnoError]>(s, 'error');
    const close = new Promise<boolean>((resolve) => s.once('close', resolve));
    const [err] = await t.drive(error);
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('ECONNREFUSED');
    expect(err.errno).toBe(-111);
    expect(err.syscall).toBe('connect');
    expect(err.address).toBe('10.0.0.2');
    expect(err.port).toBe(81);
    expect(err.message).toBe('connect ECONNREFUSED 10.0.0.2:81');
    expect(await t.drive(close)).toBe(true);
    expect(events).toEqual([]);
    expect(a.handles.live).toBe(0);
    expect(a.handles.events).toEqual(['open', 'close']);
  });

  it('gives ENETUNREACH without a route and ECONNREFUSED over loopback; EADDRINUSE for a taken port', async () => {
    t = nodeLab();
    const { a } = t;
    const far = a.m.net.connect(80, '192.168.7.7');
    const [e1] = await t.drive(once<[ErrnoError]>(far, 'error'));
    expect(e1.code).toBe('ENETUNREACH');
    expect(e1.message).toBe('connect ENETUNREACH 192.168.7.7:80');

    const lo = a.m.net.connect(4444);
    const [e2] = await t.drive(once<[ErrnoError]>(lo, 'error'));
    expect(e2.code).toBe('ECONNREFUSED');
    expect(e2.address).toBe('127.0.0.1');

    const s1 = a.m.net.createServer().listen(5000);
    const s2 = a.m.net.createServer().listen(5000);
    const [e3] = await t.drive(once<[ErrnoError]>(s2, 'error'));
    expect(e3.code).toBe('EADDRINUSE');
    expect(e3.syscall).toBe('listen');
    expect(e3.message).toBe('listen EADDRINUSE: address already in use 0.0.0.0:5000');
    expect(s2.listening).toBe(false);
    expect(s1.listening).toBe(true);
    s1.close();
    await t.until(() => a.handles.live === 0);
  });

  it('connects over loopback to its own server, and listen(0) picks a free port', async () => {
    t = nodeLab();
    const { a } = t;
    const server = a.m.net.createServer((s) => s.end(`you are ${s.remoteAddress}`));
    server.listen(0, '127.0.0.1');
    await t.drive(once(server, 'listening'));
    const port = server.address()?.port ?? 0;
    expect(port).toBeGreaterThanOrEqual(32768);
    const c = a.m.net.connect(port, 'localhost');
    expect(await t.drive(collect(c))).toBe('you are 127.0.0.1');
    server.close();
    await t.until(() => a.handles.live === 0);
  });

  it('carries 24 MB both ways with stream.pipeline, backpressure holding on each side', async () => {
    t = nodeLab();
    const { a, b } = t;
    const total = 24 * 1024 * 1024;
    let serverSide: Socket | undefined;
    const server = b.m.net.createServer((s) => {
      serverSide = s;
      // Echo: the server reads only as fast as it can send back.
      pipeline(s, s).catch(() => {});
    });
    server.listen(5001);
    await t.drive(once(server, 'listening'));

    const client = a.m.net.connect(5001, '10.0.0.2');
    const { sink, digest, bytes } = hasher();
    let heldInTcp = 0;
    let maxReadable = 0;
    const sample = setInterval(() => {
      for (const c of b.stack.tcp.connections()) if (c.localPort === 5001) heldInTcp = Math.max(heldInTcp, c.receiveQueue);
      maxReadable = Math.max(maxReadable, client.readableLength, serverSide?.readableLength ?? 0);
    }, 1);
    const sent = source(total);
    const expected = digestOf(source(total));
    await t.drive(Promise.all([pipeline(sent, client), pipeline(client, sink)]), 2_000_000);
    clearInterval(sample);
    expect(bytes()).toBe(total);
    expect(digest()).toBe(await expected);
    expect(client.bytesWritten).toBe(total);
    expect(client.bytesRead).toBe(total);
    // The slow sink paused the client's TCP socket, which filled the echo server's send buffer,
    // so the server stopped reading and its TCP receive queue filled: flow control end to end.
    expect(heldInTcp).toBeGreaterThan(0);
    // Neither Duplex buffered more than what one TCP receive buffer can hand over at once.
    expect(maxReadable).toBeLessThanOrEqual(4 * 1024 * 1024 + 64 * 1024);
    server.close();
    await t.until(() => a.handles.live === 0 && b.handles.live === 0);
  }, 120_000);

  it('closes a server as Node does: no new connections at once, "close" after the last one ends', async () => {
    t = nodeLab();
    const { a, b } = t;
    const conns: Socket[] = [];
    const server = b.m.net.createServer((s) => conns.push(s));
    server.listen(6000);
    await t.drive(once(server, 'listening'));
    const c1 = a.m.net.connect(6000, '10.0.0.2');
    await t.drive(once(c1, 'connect'));
    await t.until(() => conns.length === 1);
    const count = await t.drive(new Promise<number>((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n)))));
    expect(count).toBe(1);

    let closed = false;
    let closeArg: unknown = 'not called';
    server.close((e) => {
      closed = true;
      closeArg = e;
    });
    expect(server.listening).toBe(false);
    expect(server.address()).toBeNull();
    const c2 = a.m.net.connect(6000, '10.0.0.2');
    const [err] = await t.drive(once<[ErrnoError]>(c2, 'error'));
    expect(err.code).toBe('ECONNREFUSED');
    for (let i = 0; i < 20; i++) await t.until(() => true).then(() => t.lab.advance(1));
    expect(closed).toBe(false);
    // The existing connection still works.
    const echoed = collect(c1);
    conns[0].end('bye');
    c1.end();
    expect(await t.drive(echoed)).toBe('bye');
    await t.until(() => closed);
    expect(closeArg).toBeUndefined();

    // close() on a server that is not listening reports ERR_SERVER_NOT_RUNNING.
    const again = await t.drive(new Promise<Error | undefined>((resolve) => server.close(resolve)));
    expect((again as Error & { code: string }).code).toBe('ERR_SERVER_NOT_RUNNING');
    await t.until(() => a.handles.live === 0 && b.handles.live === 0);
    expect(a.handles.opened).toBe(a.handles.closed);
    expect(b.handles.opened).toBe(b.handles.closed);
  });

  it('half-closes with allowHalfOpen, and otherwise ends its side when the peer ends', async () => {
    t = nodeLab();
    const { a, b } = t;
    const server = b.m.net.createServer({ allowHalfOpen: true }, (s) => {
      const got: Buffer[] = [];
      s.on('data', (d: Buffer) => got.push(d));
      s.on('end', () => {
        // The client finished sending; we still answer, then end.
        s.end(`got ${Buffer.concat(got).toString()}`);
      });
    });
    server.listen(6001);
    await t.drive(once(server, 'listening'));
    const c = a.m.net.connect(6001, '10.0.0.2');
    const reply = collect(c);
    const closed = once(c, 'close');
    c.end('question');
    await t.until(() => c.writableFinished);
    expect(c.readyState).toBe('readOnly');
    expect(await t.drive(reply)).toBe('got question');
    await t.drive(closed);

    // Without allowHalfOpen the server's socket ends as soon as the client's FIN is read.
    const plain = b.m.net.createServer((s) => s.resume());
    plain.listen(6002);
    await t.drive(once(plain, 'listening'));
    const c2 = a.m.net.connect({ port: 6002, host: '10.0.0.2', allowHalfOpen: true });
    const ended = collect(c2);
    c2.end();
    expect(await t.drive(ended)).toBe('');
    server.close();
    plain.close();
    await t.until(() => a.handles.live === 0 && b.handles.live === 0);
  });

  it('resets the peer when destroyed with unread data, and the peer sees ECONNRESET', async () => {
    t = nodeLab();
    const { a, b } = t;
    let srv: Socket | undefined;
    const server = b.m.net.createServer((s) => {
      srv = s;
      s.pause();
    });
    server.listen(6003);
    await t.drive(once(server, 'listening'));
    const c = a.m.net.connect(6003, '10.0.0.2');
    c.write(Buffer.alloc(100_000, 1));
    await t.until(() => srv !== undefined && b.stack.tcp.connections().some((x) => x.localPort === 6003 && x.receiveQueue > 0));
    srv?.destroy();
    const [err] = await t.drive(once<[ErrnoError]>(c, 'error'));
    expect(err.code).toBe('ECONNRESET');
    expect(err.syscall).toBe('read');
    server.close();
    await t.until(() => a.handles.live === 0 && b.handles.live === 0);
  });

  it('emits timeout after the idle time set by setTimeout, and not while data flows', async () => {
    t = nodeLab();
    const { a, b } = t;
    const server = b.m.net.createServer((s) => s.resume());
    server.listen(6004);
    await t.drive(once(server, 'listening'));
    const c = a.m.net.connect(6004, '10.0.0.2');
    await t.drive(once(c, 'connect'));
    let timeouts = 0;
    c.setTimeout(80, () => timeouts++);
    expect(c.timeout).toBe(80);
    const start = Date.now();
    while (Date.now() - start < 150) {
      c.write('x');
      await t.drive(new Promise((r) => setTimeout(r, 10)));
    }
    expect(timeouts).toBe(0);
    await t.drive(once(c, 'timeout'));
    c.destroy();
    server.close();
    await t.until(() => a.handles.live === 0 && b.handles.live === 0);
  });

  it('unref lets a server stop counting as a live handle, ref counts it again, each change once', async () => {
    t = nodeLab();
    const { a } = t;
    const server = a.m.net.createServer();
    server.listen(7000);
    expect(a.handles.live).toBe(1);
    server.unref();
    server.unref();
    expect(a.handles.live).toBe(0);
    server.ref();
    expect(a.handles.live).toBe(1);
    server.close();
    // Closing: it counts until its 'close' was emitted, and ref/unref change nothing any more.
    server.unref();
    server.ref();
    expect(a.handles.live).toBe(1);
    const order: string[] = [];
    server.on('close', () => order.push(`'close' event, live ${a.handles.live}`));
    await t.until(() => a.handles.live === 0);
    expect(order).toEqual(["'close' event, live 1"]);
    expect(a.handles.events).toEqual(['open', 'close', 'open', 'close']);
  });

  it('aborts a connection with an AbortSignal, as Node does', async () => {
    t = nodeLab();
    const { a } = t;
    const ac = new AbortController();
    const s = a.m.net.connect({ port: 80, host: '10.0.0.2', signal: ac.signal });
    const err = once<[Error & { code: string }]>(s, 'error');
    ac.abort();
    const [e] = await t.drive(err);
    expect(e.name).toBe('AbortError');
    expect(e.code).toBe('ABORT_ERR');
    const s2 = a.m.net.connect({ port: 80, host: '10.0.0.2', signal: AbortSignal.abort() });
    const [e2] = await t.drive(once<[Error]>(s2, 'error'));
    expect(e2.name).toBe('AbortError');
    await t.until(() => a.handles.live === 0);
    expect(a.handles.opened).toBe(2);
  });

  it('stops counting a socket only after its close event ran', async () => {
    t = nodeLab();
    const { a } = t;
    const s = a.m.net.connect(1, '10.0.0.2');
    const order: string[] = [];
    s.on('error', () => order.push(`error, live ${a.handles.live}`));
    s.on('close', () => order.push(`close, live ${a.handles.live}`));
    await t.until(() => a.handles.live === 0);
    expect(order).toEqual(['error, live 1', 'close, live 1']);
  });

  it('tells its owner when it called into the stack on its own (onActivity), once per task', async () => {
    t = nodeLab();
    const { b } = t;
    let calls = 0;
    const m = nodeModules(t.a.stack, { onActivity: () => calls++ });
    const server = b.m.net.createServer((s) => s.resume());
    server.listen(6100);
    await t.drive(once(server, 'listening'));
    const c = m.net.connect(6100, '10.0.0.2');
    c.setNoDelay(true);
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(1);
    await t.drive(once(c, 'connect'));
    const before = calls;
    setTimeout(() => {
      c.write('a');
      c.write('b');
    }, 5);
    await t.until(() => calls > before);
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(before + 1);
    c.destroy();
    server.close();
    await t.until(() => b.handles.live === 0);
  });

  it('closeAll ends whatever a program left open', async () => {
    t = nodeLab();
    const { a, b } = t;
    const server = b.m.net.createServer();
    server.listen(7001);
    await t.drive(once(server, 'listening'));
    const c = a.m.net.connect(7001, '10.0.0.2');
    await t.drive(once(c, 'connect'));
    await t.until(() => b.handles.live === 2);
    b.m.closeAll();
    expect(server.listening).toBe(false);
    await t.drive(once(c, 'end'));
    expect(b.handles.live).toBe(0);
    a.m.closeAll();
    await t.until(() => a.handles.live === 0);
  });
});
