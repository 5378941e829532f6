import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type Bench, consume } from '@vnet/bench';
import type { FrameHandler, Port, PortStats } from '@vnet/link';
import { Stack, type StackOptions, type TcpSocket } from '../src/index.js';

/**
 * A wire that queues frames in one growing buffer and delivers them when pumped: the figures
 * measure the two stacks (segmenting, checksums, copies, ACK processing), not a link.
 */
class QueuePort implements Port {
  onFrame: FrameHandler = () => {};
  onCarrier = undefined;
  readonly up = true;
  readonly stats: PortStats = { txFrames: 0, txBytes: 0, rxFrames: 0, rxBytes: 0, txDuplicates: 0, drops: {} };
  peer: QueuePort = this;
  private buf = new Uint8Array(0);
  private readonly starts: number[] = [];
  private readonly lengths: number[] = [];
  private used = 0;

  constructor(readonly name: string) {}

  send(bytes: Uint8Array, offset = 0, length = bytes.length - offset): boolean {
    if (this.used + length > this.buf.length) {
      const bigger = new Uint8Array(Math.max(1 << 20, this.buf.length * 2, this.used + length));
      bigger.set(this.buf.subarray(0, this.used));
      this.buf = bigger;
    }
    this.buf.set(bytes.subarray(offset, offset + length), this.used);
    this.starts.push(this.used);
    this.lengths.push(length);
    this.used += length;
    return true;
  }

  pump(): number {
    const n = this.starts.length;
    for (let i = 0; i < n; i++) this.peer.onFrame(this.buf, this.starts[i], this.lengths[i]);
    this.starts.splice(0, n);
    this.lengths.splice(0, n);
    if (this.starts.length === 0) this.used = 0;
    return n;
  }
}

function pair(mtu: number, tcp: StackOptions['tcp'] = {}, checksumOffload = false) {
  const a = new QueuePort('a');
  const b = new QueuePort('b');
  a.peer = b;
  b.peer = a;
  const h1 = new Stack({ hostname: 'h1', tcp });
  const h2 = new Stack({ hostname: 'h2', tcp });
  h1.addInterface({ name: 'h1-eth0', port: a, mac: '02:00:00:00:00:01', mtu, checksumOffload });
  h2.addInterface({ name: 'h2-eth0', port: b, mac: '02:00:00:00:00:02', mtu, checksumOffload });
  h1.addAddress('h1-eth0', '10.0.0.1/8');
  h2.addAddress('h2-eth0', '10.0.0.2/8');
  const pump = () => {
    while (a.pump() + b.pump() > 0) {}
  };
  // Resolve ARP before measuring.
  h1.ping('10.0.0.2', { id: 1, seq: 1 });
  pump();
  return { h1, h2, pump };
}

/** One stream h1 → h2 for `ms` of wall time: data bits delivered per second. */
function stream(mtu: number, offload: boolean, ms = 1000): number {
  const { h1, h2, pump } = pair(mtu, {}, offload);
  let received = 0;
  h2.tcp.listen({
    port: 5001,
    onConnection: (s) => {
      s.onData = (_b, _o, n) => {
        received += n;
      };
    },
  });
  const c = h1.tcp.connect({ address: '10.0.0.2', port: 5001 });
  pump();
  const chunk = new Uint8Array(256 * 1024);
  const t0 = performance.now();
  let start = 0;
  let now = 0;
  while (performance.now() - t0 < ms) {
    while (c.writable > 0) c.write(chunk, 0, Math.min(chunk.length, c.writable));
    pump();
    if (start === 0 && performance.now() - t0 > ms / 4) start = received;
    now += 0.01;
    h1.poll(now);
    h2.poll(now);
  }
  consume(start);
  const bits = received * 8;
  return bits / ((performance.now() - t0) / 1000) / 1e9;
}

/** Connections opened, a byte each way, and closed (the server closes first, as HTTP/1.0 does), per second. */
function connectionsPerSecond(ms = 1000): number {
  const { h1, h2, pump } = pair(1500, { timeWaitMs: 1 });
  h2.tcp.listen({
    port: 80,
    backlog: 4096,
    onConnection: (s) => {
      s.onData = () => s.end();
    },
  });
  const one = Uint8Array.of(1);
  let done = 0;
  let now = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 100; i++) {
      const c: TcpSocket = h1.tcp.connect({ address: '10.0.0.2', port: 80 });
      c.onConnect = () => c.write(one);
      c.onEnd = () => c.end();
      c.onClose = () => done++;
    }
    pump();
    now += 2;
    h1.poll(now);
    h2.poll(now);
    pump();
  }
  return done / ((performance.now() - t0) / 1000);
}

function gcNow(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Heap bytes per idle stack with one interface and an address (KB). */
function idleStackKB(): number {
  const gc = gcNow();
  const n = 2000;
  const keep: Stack[] = [];
  gc();
  const before = process.memoryUsage();
  for (let i = 0; i < n; i++) {
    const s = new Stack({ hostname: `h${i}` });
    const port: Port = {
      name: `p${i}`,
      up: true,
      onFrame: () => {},
      onCarrier: undefined,
      stats: new QueuePort('x').stats,
      send: () => true,
    };
    s.addInterface({ name: `h${i}-eth0`, port, mac: 0x020000000000 + i });
    s.addAddress(`h${i}-eth0`, `10.${i >> 8}.${i & 255}.1/8`);
    keep.push(s);
  }
  gc();
  const after = process.memoryUsage();
  consume(keep.length);
  return (after.heapUsed - before.heapUsed + after.arrayBuffers - before.arrayBuffers) / n / 1024;
}

/** Bytes per established, idle connection, both ends counted, buffers not yet used (KB). */
function idleConnectionKB(): number {
  const gc = gcNow();
  const { h1, h2, pump } = pair(1500);
  const n = 5000;
  const keep: TcpSocket[] = [];
  h2.tcp.listen({ port: 80, backlog: 65535, onConnection: (s) => keep.push(s) });
  gc();
  const before = process.memoryUsage();
  for (let i = 0; i < n; i++) keep.push(h1.tcp.connect({ address: '10.0.0.2', port: 80 }));
  pump();
  gc();
  const after = process.memoryUsage();
  if (h2.tcp.stats.PassiveOpens !== n) throw new Error(`expected ${n} connections, got ${h2.tcp.stats.PassiveOpens}`);
  return (after.heapUsed - before.heapUsed + after.arrayBuffers - before.arrayBuffers) / (2 * n) / 1024;
}

export default [
  {
    name: 'netstack: TCP, one stream between two stacks, 1500 B MTU',
    unit: 'Gbit/s',
    target: '>= 5',
    run: () => stream(1500, false),
  },
  {
    name: 'netstack: TCP, one stream, 64 KiB MTU with checksum offload',
    unit: 'Gbit/s',
    target: '>= 55',
    run: () => stream(65535, true),
  },
  {
    name: 'netstack: TCP connections opened and closed (a byte each way)',
    unit: 'conn/s',
    target: '>= 20000',
    run: () => connectionsPerSecond(),
  },
  { name: 'netstack: idle stack, one interface', unit: 'KB', target: '<= 200', run: idleStackKB, warmup: false },
  { name: 'netstack: idle TCP connection (one end, buffers unused)', unit: 'KB', target: '<= 8', run: idleConnectionKB, warmup: false },
] satisfies Bench[];
