import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { ErrnoError } from '../src/node/index.js';
import { type NodeLab, nodeLab, once } from './node-lab.js';

let t: NodeLab;
afterEach(() => t?.close());

interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

function read(res: IncomingMessage): Promise<Reply> {
  const parts: Buffer[] = [];
  res.on('data', (d: Buffer) => parts.push(d));
  return new Promise((resolve, reject) => {
    res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString() }));
    res.on('error', reject);
  });
}

describe('http over vnet', () => {
  it('serves an unmodified http.createServer to http.get from another host', async () => {
    t = nodeLab();
    const { a, b } = t;
    // Ordinary Node code, given these modules instead of Node's.
    const http = b.m.http;
    const server = http.createServer((_req, res) => res.end('hi'));
    server.listen(8080);
    await t.drive(once(server, 'listening'));
    expect(server.listening).toBe(true);
    expect(server.address()).toEqual({ address: '0.0.0.0', family: 'IPv4', port: 8080 });

    const res = await t.drive(
      new Promise<IncomingMessage>((resolve, reject) => a.m.http.get('http://10.0.0.2:8080/', resolve).on('error', reject)),
    );
    // (The agent detaches a kept-alive socket from the response once it ended.)
    expect(res.socket?.remoteAddress).toBe('10.0.0.2');
    const reply = await t.drive(read(res));
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('hi');
    expect(reply.headers['content-length']).toBe('2');

    // Again: the global agent keeps the connection alive and reuses it.
    const res2 = await t.drive(
      new Promise<IncomingMessage>((resolve, reject) => a.m.http.get('http://10.0.0.2:8080/x', resolve).on('error', reject)),
    );
    expect((await t.drive(read(res2))).body).toBe('hi');
    const count = () => t.drive(new Promise<number>((resolve) => server.getConnections((_e, n) => resolve(n))));
    expect(await count()).toBe(1);
    // By host name (the agent pools by name, so a second connection).
    const res3 = await t.drive(
      new Promise<IncomingMessage>((resolve, reject) => a.m.http.get('http://b:8080/y', resolve).on('error', reject)),
    );
    expect((await t.drive(read(res3))).body).toBe('hi');
    expect(await count()).toBe(2);

    // The kept-alive socket is unref'd by the agent: the client host has nothing keeping it alive.
    await t.until(() => a.handles.live === 0);
    let closed = false;
    server.close(() => {
      closed = true;
    });
    expect(server.listening).toBe(false);
    await t.until(() => closed && b.handles.live === 0);
    await t.until(() => a.m.http.globalAgent.sockets && Object.keys(a.m.http.globalAgent.freeSockets).length === 0);
    expect(a.handles.opened).toBe(a.handles.closed);
    expect(b.handles.opened).toBe(b.handles.closed);
  });

  it('runs plain Node programs given its modules for require, and they end when their handles do', async () => {
    t = nodeLab();
    const { a, b } = t;
    const output: string[] = [];
    const run = (code: string, m: typeof a.m) => {
      const require = (id: string): unknown => ({ net: m.net, http: m.http, dns: m.dns, dgram: m.dgram })[id.replace(/^node:/, '')];
      new Function('require', 'log', code)(require, (s: string) => output.push(s));
    };
    run(
      `
      const http = require('http');
      const server = http.createServer((req, res) => {
        res.setHeader('content-type', 'text/plain');
        res.end('hello from ' + req.socket.localAddress + req.url);
      });
      server.listen(8080, () => log('listening on ' + server.address().port));
      `,
      b.m,
    );
    run(
      `
      const http = require('node:http');
      http.get('http://b:8080/index.html', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => log(res.statusCode + ' ' + res.headers['content-type'] + ' ' + body));
      });
      `,
      a.m,
    );
    expect(a.handles.live).toBe(1);
    await t.until(() => output.length === 2 && a.handles.live === 0);
    expect(output).toEqual(['listening on 8080', '200 text/plain hello from 10.0.0.2/index.html']);
    // The server program is still running: its listening server keeps it alive.
    expect(b.handles.live).toBeGreaterThanOrEqual(1);
    b.m.closeAll();
    await t.until(() => b.handles.live === 0);
    await t.until(() => a.handles.opened === a.handles.closed && Object.keys(a.m.http.globalAgent.freeSockets).length === 0);
  });

  it('handles a POST with a body and answers JSON', async () => {
    t = nodeLab();
    const { a, b } = t;
    const seen: Array<{ method?: string; url?: string; from?: string }> = [];
    const server = b.m.http.createServer((req: IncomingMessage, res: ServerResponse) => {
      seen.push({ method: req.method, url: req.url, from: req.socket.remoteAddress });
      const parts: Buffer[] = [];
      req.on('data', (d: Buffer) => parts.push(d));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(parts).toString()) as { numbers: number[] };
        const sum = body.numbers.reduce((x, y) => x + y, 0);
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ sum, count: body.numbers.length }));
      });
    });
    server.listen(8081, '10.0.0.2');
    await t.drive(once(server, 'listening'));

    const numbers = Array.from({ length: 50_000 }, (_, i) => i);
    const payload = JSON.stringify({ numbers });
    const res = await t.drive(
      new Promise<IncomingMessage>((resolve, reject) => {
        const req = a.m.http.request(
          {
            host: '10.0.0.2',
            port: 8081,
            method: 'POST',
            path: '/sum',
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
          },
          resolve,
        );
        req.on('error', reject);
        req.write(payload.slice(0, 1000));
        req.end(payload.slice(1000));
      }),
    );
    const reply = await t.drive(read(res));
    expect(reply.status).toBe(201);
    expect(reply.headers['content-type']).toBe('application/json');
    expect(JSON.parse(reply.body)).toEqual({ sum: (49_999 * 50_000) / 2, count: 50_000 });
    expect(seen).toEqual([{ method: 'POST', url: '/sum', from: '10.0.0.1' }]);

    // agent: false: a connection of its own, closed after the response.
    const res2 = await t.drive(
      new Promise<IncomingMessage>((resolve, reject) =>
        a.m.http
          .request('http://10.0.0.2:8081/sum', { method: 'POST', agent: false }, resolve)
          .on('error', reject)
          .end('{"numbers":[1,2,3]}'),
      ),
    );
    expect(JSON.parse((await t.drive(read(res2))).body)).toEqual({ sum: 6, count: 3 });
    expect(res2.headers.connection).toBe('close');

    server.close();
    server.closeAllConnections();
    await t.until(() => a.handles.live === 0 && b.handles.live === 0);
  });

  it("reports a refused request through the request's error event", async () => {
    t = nodeLab();
    const { a } = t;
    const err = await t.drive(
      new Promise<ErrnoError>((resolve) => {
        a.m.http.get({ host: '10.0.0.2', port: 9999 }, () => {}).on('error', (e: ErrnoError) => resolve(e));
      }),
    );
    expect(err.code).toBe('ECONNREFUSED');
    expect(err.message).toBe('connect ECONNREFUSED 10.0.0.2:9999');
    const err2 = await t.drive(
      new Promise<ErrnoError>((resolve) => {
        a.m.http.get('http://nosuchhost/', () => {}).on('error', (e: ErrnoError) => resolve(e));
      }),
    );
    expect(err2.code).toBe('ENOTFOUND');
    await t.until(() => a.handles.live === 0);
  });

  it("exports Node's own http pieces", () => {
    t = nodeLab();
    const http = t.a.m.http;
    expect(http.STATUS_CODES[404]).toBe('Not Found');
    expect(http.METHODS).toContain('PATCH');
    expect(typeof http.IncomingMessage).toBe('function');
    expect(typeof http.ServerResponse).toBe('function');
    expect(new http.Agent({ keepAlive: true })).toBeInstanceOf(http.Agent);
  });
});

describe('dns and dgram over vnet', () => {
  it('looks names up as dns.lookup does', async () => {
    t = nodeLab();
    const { dns } = t.a.m;
    const r = await t.drive(
      new Promise<[string, number]>((res, rej) => dns.lookup('b', (e, addr, fam) => (e ? rej(e) : res([addr, fam])))),
    );
    expect(r).toEqual(['10.0.0.2', 4]);
    expect(await t.drive(dns.promises.lookup('localhost'))).toEqual({ address: '127.0.0.1', family: 4 });
    expect(await t.drive(dns.promises.lookup('a', { all: true }))).toEqual([{ address: '10.0.0.1', family: 4 }]);
    expect(await t.drive(dns.promises.resolve4('b'))).toEqual(['10.0.0.2']);
    const err = await t.drive(dns.promises.lookup('zzz').catch((e: ErrnoError) => e));
    expect(err).toMatchObject({ code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname: 'zzz', errno: -3008 });
    let sync = true;
    dns.lookup('10.1.2.3', () => {
      expect(sync).toBe(false);
    });
    sync = false;
  });

  it("sends datagrams between hosts with dgram, with Node's events and rinfo", async () => {
    t = nodeLab();
    const { a, b } = t;
    const dgramB = b.m.dgram;
    const dgramA = a.m.dgram;
    if (dgramB === undefined || dgramA === undefined) throw new Error('the stack has UDP: dgram should be there');
    const server = dgramB.createSocket('udp4');
    server.on('message', (msg, rinfo) => {
      server.send(`echo ${msg.toString()}`, rinfo.port, rinfo.address);
    });
    server.bind(5353);
    await t.drive(once(server, 'listening'));
    expect(server.address()).toEqual({ address: '0.0.0.0', family: 'IPv4', port: 5353 });
    expect(b.handles.live).toBe(1);

    const client = dgramA.createSocket({ type: 'udp4' });
    const got = once<[Buffer, { address: string; family: string; port: number; size: number }]>(client, 'message');
    const sent = new Promise<number>((res, rej) => client.send('ping', 5353, 'b', (e, n) => (e ? rej(e) : res(n))));
    expect(await t.drive(sent)).toBe(4);
    const [msg, rinfo] = await t.drive(got);
    expect(msg.toString()).toBe('echo ping');
    expect(rinfo).toEqual({ address: '10.0.0.2', family: 'IPv4', port: 5353, size: 9 });
    expect(client.address().port).toBeGreaterThanOrEqual(32768);

    // A connected socket hears port unreachable as ECONNREFUSED.
    const c2 = dgramA.createSocket('udp4');
    c2.connect(9, '10.0.0.2');
    await t.drive(once(c2, 'connect'));
    expect(c2.remoteAddress()).toEqual({ address: '10.0.0.2', family: 'IPv4', port: 9 });
    const refused = once<[ErrnoError]>(c2, 'error');
    c2.send('anyone?');
    const [e] = await t.drive(refused);
    expect(e.code).toBe('ECONNREFUSED');

    // Binding a taken port fails as Node's does.
    const dup = dgramB.createSocket('udp4');
    dup.bind(5353);
    const [e2] = await t.drive(once<[ErrnoError]>(dup, 'error'));
    expect(e2.code).toBe('EADDRINUSE');
    expect(e2.message).toBe('bind EADDRINUSE 0.0.0.0:5353');

    for (const s of [server, client, c2, dup]) {
      try {
        s.close();
      } catch {}
    }
    await t.until(() => a.handles.live === 0 && b.handles.live === 0);
    expect(a.handles.opened).toBe(2);
  });
});
