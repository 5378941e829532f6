import { formatIpv4, Icmpv4Unreachable, type Ipv4Packet } from '@vnet/frame';
import type { FrameHandler, Port, PortStats } from '@vnet/link';
import { afterEach, describe, expect, it } from 'vitest';
import { type EchoEvent, NetstackError, Stack } from '../src/index.js';
import { conserved, Lab } from './lab.js';

let lab: Lab;
afterEach(() => lab?.close());

function routed(opts: ConstructorParameters<typeof Stack>[0] = {}) {
  lab = new Lab();
  const h1 = lab.stack();
  const r = lab.stack({ forwarding: true, ...opts });
  const h2 = lab.stack();
  lab.link(h1, 'h1-eth0', '10.0.1.1/24', r, 'r-eth0', '10.0.1.254/24');
  lab.link(r, 'r-eth1', '10.0.2.254/24', h2, 'h2-eth0', '10.0.2.1/24');
  h1.routes.add({ dst: 'default', via: '10.0.1.254' });
  h2.routes.add({ dst: 'default', via: '10.0.2.254' });
  lab.pump();
  return { h1, r, h2 };
}

describe('ICMP error rate limiting', () => {
  it('lets a burst of 6 errors per destination through, then one a second', () => {
    const { h1, r } = routed();
    const events: EchoEvent[] = [];
    h1.onEcho(1, (e) => events.push({ ...e }));
    const burst = (first: number, n: number) => {
      for (let i = 0; i < n; i++) h1.ping('10.0.2.1', { id: 1, seq: first + i, ttl: 1 });
      lab.pump();
    };
    burst(0, 10);
    expect(events.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(r.stats.icmp).toMatchObject({ OutTimeExcds: 6, OutRateLimitHost: 4, OutRateLimitGlobal: 0 });
    lab.advance(1000);
    burst(10, 3);
    expect(events.map((e) => e.seq).slice(6)).toEqual([10]);
    lab.advance(6000);
    burst(20, 10);
    expect(events).toHaveLength(6 + 1 + 6);
    expect(r.stats.rxDrops['ttl-exceeded']).toBe(23); // limited or not, every expired datagram is counted
  });

  it('caps errors from the whole stack with a global bucket', () => {
    const { h1, r } = routed({ icmp: { msgsBurst: 3, msgsPerSec: 2, ratelimitMs: 0 } });
    const events: EchoEvent[] = [];
    h1.onEcho(1, (e) => events.push({ ...e }));
    for (let i = 0; i < 5; i++) h1.ping('10.0.2.1', { id: 1, seq: i, ttl: 1 });
    lab.pump();
    expect(events).toHaveLength(3);
    expect(r.stats.icmp.OutRateLimitGlobal).toBe(2);
    lab.advance(500); // 2 per second: one token back
    for (let i = 0; i < 3; i++) h1.ping('10.0.2.1', { id: 1, seq: 10 + i, ttl: 1 });
    lab.pump();
    expect(events).toHaveLength(4);
  });

  it('never limits errors to the host itself', () => {
    const s = new Stack();
    const events: EchoEvent[] = [];
    s.onEcho(1, (e) => events.push({ ...e }));
    const lab2 = new Lab();
    lab2.link(s, 'eth0', '10.0.0.1/24', lab2.stack(), 'x', undefined);
    for (let i = 0; i < 20; i++) s.ping('10.0.0.2', { id: 1, seq: i, size: 3000, df: true });
    expect(events).toHaveLength(20);
    expect(events.every((e) => e.kind === 'unreachable' && e.code === Icmpv4Unreachable.FragmentationNeeded && e.mtu === 1500)).toBe(true);
    lab2.close();
  });
});

describe('protocol hooks', () => {
  it('delivers datagrams of a registered protocol, reassembled, and refuses a second handler', () => {
    const { h1, h2 } = routed();
    const got: { src: string; len: number; first: number; ifindex: number }[] = [];
    const sub = h2.registerProtocol(253, {
      input(ip: Ipv4Packet, ifindex: number) {
        got.push({ src: formatIpv4(ip.src), len: ip.payloadLen, first: ip.bytes[ip.payloadOffset], ifindex });
        return undefined;
      },
    });
    expect(() => h2.registerProtocol(253, { input: () => undefined })).toThrow(NetstackError);
    expect(() => h2.registerProtocol(1, { input: () => undefined })).toThrow(/already has a handler/);
    const data = new Uint8Array(3000).map((_, i) => i + 7);
    expect(h1.sendIp({ dst: 0x0a000201, protocol: 253 }, data)).toBe('queued');
    lab.pump();
    expect(got).toEqual([{ src: '10.0.1.1', len: 3000, first: 7, ifindex: 2 }]);
    expect(h2.stats.ip.InDelivers).toBe(1);
    sub.close();
    h1.sendIp({ dst: 0x0a000201, protocol: 253 }, data, 0, 10);
    lab.pump();
    expect(got).toHaveLength(1);
    expect(h2.stats.ip.InUnknownProtos).toBe(1);
    expect(conserved(h2)).toBe(true);
  });

  it('counts what a handler refuses, and carries its port unreachable back to the sender', () => {
    const { h1, h2 } = routed();
    h2.registerProtocol(254, {
      input(ip) {
        h2.sendUnreachable(ip, Icmpv4Unreachable.Port);
        return 'no-socket';
      },
    });
    const errors: string[] = [];
    h1.registerProtocol(254, {
      input: () => undefined,
      error(type, code, from, quote, quoteLen, mtu) {
        errors.push(`${type}/${code} from ${formatIpv4(from)} about ${formatIpv4(quote.dst)} (${quoteLen} bytes quoted, mtu ${mtu})`);
      },
    });
    h1.sendIp({ dst: 0x0a000201, protocol: 254, ttl: 9 }, new Uint8Array([0, 53, 0, 53, 0, 12, 0, 0, 1, 2, 3, 4]));
    lab.pump();
    expect(h2.stats.rxDrops['no-socket']).toBe(1);
    expect(errors).toEqual(['3/3 from 10.0.2.1 about 10.0.2.1 (32 bytes quoted, mtu 0)']);
  });
});

/** Ports that deliver synchronously, inside `send`: the stack must never be re-entered. */
class SyncPort implements Port {
  onFrame: FrameHandler = () => {};
  onCarrier = undefined;
  readonly up = true;
  readonly stats: PortStats = { txFrames: 0, txBytes: 0, rxFrames: 0, rxBytes: 0, txDuplicates: 0, drops: {} };
  peer: Port = this;
  constructor(readonly name: string) {}
  send(bytes: Uint8Array, offset = 0, length = bytes.length - offset): boolean {
    this.stats.txFrames++;
    this.peer.onFrame(bytes.slice(offset, offset + length), 0, length);
    return true;
  }
}

describe('a port that delivers inside send', () => {
  it('works: frames arriving mid-operation wait in the backlog', () => {
    const a = new SyncPort('a');
    const b = new SyncPort('b');
    a.peer = b;
    b.peer = a;
    const h1 = new Stack();
    const h2 = new Stack();
    h1.addInterface({ name: 'eth0', port: a, mac: 1 });
    h2.addInterface({ name: 'eth0', port: b, mac: 2 });
    h1.addAddress('eth0', '10.0.0.1/8');
    h2.addAddress('eth0', '10.0.0.2/8');
    const events: EchoEvent[] = [];
    h1.onEcho(1, (e) => events.push({ ...e }));
    for (let seq = 0; seq < 3; seq++) h1.ping('10.0.0.2', { id: 1, seq, size: seq === 2 ? 5000 : 56 });
    expect(events.map((e) => [e.kind, e.seq, e.bytes])).toEqual([
      ['reply', 0, 64],
      ['reply', 1, 64],
      ['reply', 2, 5008],
    ]);
    expect(conserved(h1) && conserved(h2)).toBe(true);
    h1.close();
    h2.close();
  });
});
