import { type Bench, consume, rate } from '@vnet/bench';
import { build, ethernet, icmpv4, ipv4 } from '@vnet/frame';
import type { FrameHandler, Port, PortStats } from '@vnet/link';
import { type EchoEvent, Stack } from '../src/index.js';

/**
 * An in-memory wire whose ends copy frames into preallocated slots and deliver them when
 * pumped, so the figures measure the stacks, not the wire, and the wire allocates nothing.
 */
class SlotPort implements Port {
  onFrame: FrameHandler = () => {};
  onCarrier = undefined;
  readonly up = true;
  readonly stats: PortStats = { txFrames: 0, txBytes: 0, rxFrames: 0, rxBytes: 0, txDuplicates: 0, drops: {} };
  peer: SlotPort = this;
  private readonly slots = new Uint8Array(64 * 2048);
  private readonly lengths = new Int32Array(64);
  private count = 0;

  constructor(readonly name: string) {}

  send(bytes: Uint8Array, offset = 0, length = bytes.length - offset): boolean {
    if (this.count === 64 || length > 2048) return false;
    const at = this.count * 2048;
    for (let i = 0; i < length; i++) this.slots[at + i] = bytes[offset + i];
    this.lengths[this.count++] = length;
    this.stats.txFrames++;
    return true;
  }

  /** Forgets the queued frames. */
  discard(): void {
    this.count = 0;
  }

  /** Hands the queued frames to the peer; returns how many. */
  pump(): number {
    const n = this.count;
    this.count = 0;
    for (let i = 0; i < n; i++) this.peer.onFrame(this.slots, i * 2048, this.lengths[i]);
    return n;
  }
}

function pair(): { h1: Stack; h2: Stack; a: SlotPort; b: SlotPort } {
  const a = new SlotPort('a');
  const b = new SlotPort('b');
  a.peer = b;
  b.peer = a;
  const h1 = new Stack({ hostname: 'h1' });
  const h2 = new Stack({ hostname: 'h2' });
  h1.addInterface({ name: 'h1-eth0', port: a, mac: '02:00:00:00:00:01' });
  h2.addInterface({ name: 'h2-eth0', port: b, mac: '02:00:00:00:00:02' });
  h1.addAddress('h1-eth0', '10.0.0.1/8');
  h2.addAddress('h2-eth0', '10.0.0.2/8');
  while (a.pump() + b.pump() > 0) {}
  return { h1, h2, a, b };
}

// Round trips: h1 pings, h2 answers, h1 hears the reply. Two frames handled per round trip.
const rt = pair();
let replies = 0;
rt.h1.onEcho(1, (e: EchoEvent) => {
  replies += e.seq & 1;
});
const ping = { id: 1, seq: 0, size: 56 };
const DST = 0x0a000002;
function roundTrips(n: number): void {
  for (let i = 0; i < n; i++) {
    ping.seq = i & 0xffff;
    rt.h1.ping(DST, ping);
    rt.a.pump();
    rt.b.pump();
  }
  consume(replies);
}
roundTrips(4); // resolve ARP before measuring

// UDP: a socket on h1 sends 64 B datagrams to a socket on h2; the wire delivers them every 32.
const ud = pair();
let heard = 0;
const sink = ud.h2.udp.bind({ port: 9 });
sink.onMessage = (_bytes, _offset, length) => {
  heard = (heard + length) & 0xffff; // kept a small integer: a growing sum would become a heap double
};
const source = ud.h1.udp.bind({ port: 5001 });
const datagram = new Uint8Array(64);
source.send(datagram, 9, DST); // resolve ARP before measuring
while (ud.a.pump() + ud.b.pump() > 0) {}
function udpDatagrams(n: number): void {
  for (let i = 0; i < n; i++) {
    source.send(datagram, 9, DST);
    if ((i & 31) === 31) ud.a.pump();
  }
  ud.a.pump();
  consume(heard);
}

// One stack answering: a prebuilt echo request in, the reply out (then discarded by the wire).
const responder = pair();
responder.h2.arp.add('10.0.0.1', '02:00:00:00:00:01');
const request = build(
  ethernet({ src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' }),
  ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }),
  icmpv4({ kind: 'echo-request', identifier: 2, sequence: 1, data: new Uint8Array(56) }),
);
function answers(n: number): void {
  const port = responder.b;
  for (let i = 0; i < n; i++) {
    port.onFrame(request, 0, request.length);
    if ((i & 31) === 31) port.discard();
  }
  port.discard();
  consume(responder.h2.stats.icmp.OutEchoReps);
}

// A router forwarding: a prebuilt echo request from h1's subnet to h2's, in on one port, out on the other.
const ra = new SlotPort('ra');
const rb = new SlotPort('rb');
const router = new Stack({ hostname: 'r', forwarding: true });
router.addInterface({ name: 'r-eth0', port: ra, mac: '02:00:00:00:01:00' });
router.addInterface({ name: 'r-eth1', port: rb, mac: '02:00:00:00:01:01' });
router.addAddress('r-eth0', '192.168.1.254/24');
router.addAddress('r-eth1', '192.168.2.254/24');
router.arp.add('192.168.2.1', '02:00:00:00:02:01');
ra.discard();
rb.discard();
const transit = build(
  ethernet({ src: '02:00:00:00:01:99', dst: '02:00:00:00:01:00' }),
  ipv4({ src: '192.168.1.1', dst: '192.168.2.1', ttl: 64 }),
  icmpv4({ kind: 'echo-request', identifier: 3, sequence: 1, data: new Uint8Array(56) }),
);
function forwards(n: number): void {
  for (let i = 0; i < n; i++) {
    ra.onFrame(transit, 0, transit.length);
    if ((i & 31) === 31) rb.discard();
  }
  rb.discard();
  consume(router.stats.ip.ForwDatagrams);
}

export default [
  {
    name: 'netstack: ping round trip between two stacks (echo request + reply handled), 98 B frames',
    unit: 'Mframes/s',
    target: '>= 1',
    run: () => (2 * rate(roundTrips)) / 1e6,
  },
  {
    name: 'netstack: echo request in → echo reply out, one stack, 98 B frames',
    unit: 'Mframes/s',
    target: '>= 1.5',
    run: () => rate(answers) / 1e6,
  },
  {
    name: 'netstack: forward one frame (router, TTL − 1, 192.168/16 addresses), 98 B frames',
    unit: 'Mframes/s',
    target: '>= 2',
    run: () => rate(forwards) / 1e6,
  },
  {
    name: 'netstack: UDP 64 B datagrams, one stack to another (send + delivery to a socket), 106 B frames',
    unit: 'Mdatagrams/s',
    target: '>= 2',
    run: () => rate(udpDatagrams) / 1e6,
  },
] satisfies Bench[];
