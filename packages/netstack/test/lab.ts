/**
 * A tiny in-test network: ports joined by wires that queue frames until the test pumps them,
 * and a virtual clock that polls every stack. Independent of @vnet/link's implementation (only
 * its `Port` types), so these tests exercise the stack alone.
 */
import { Arp, ArpOperation, type ArpRepr, EthernetFrame, EtherType, type Ipv4Address, Ipv4Packet, parseIpv4 } from '@vnet/frame';
import type { FrameHandler, Port, PortStats } from '@vnet/link';
import { Stack, type StackOptions } from '../src/index.js';

export class TestPort implements Port {
  onFrame: FrameHandler = () => {};
  onCarrier: ((up: boolean) => void) | undefined = undefined;
  readonly stats: PortStats = { txFrames: 0, txBytes: 0, rxFrames: 0, rxBytes: 0, txDuplicates: 0, drops: {} };
  /** Frames sent through this port and not yet delivered to the peer. */
  readonly inFlight: Uint8Array[] = [];
  /** Every frame ever sent through this port (a capture). */
  readonly sent: Uint8Array[] = [];
  private carrier = true;

  constructor(readonly name: string) {}

  get up(): boolean {
    return this.carrier;
  }

  setCarrier(up: boolean): void {
    if (up === this.carrier) return;
    this.carrier = up;
    this.onCarrier?.(up);
  }

  send(bytes: Uint8Array, offset = 0, length = bytes.length - offset): boolean {
    if (!this.carrier) {
      this.stats.drops['link-down'] = (this.stats.drops['link-down'] ?? 0) + 1;
      return false;
    }
    const copy = bytes.slice(offset, offset + length);
    this.inFlight.push(copy);
    this.sent.push(copy);
    this.stats.txFrames++;
    this.stats.txBytes += length;
    return true;
  }

  /** Hands a frame to whatever listens on this port, as if it came off the wire. */
  inject(frame: Uint8Array): void {
    this.stats.rxFrames++;
    this.stats.rxBytes += frame.length;
    this.onFrame(frame, 0, frame.length);
  }
}

/** Two ports whose frames cross when `pump` is called. */
export class Wire {
  readonly a: TestPort;
  readonly b: TestPort;
  /** Optional filter: return false to lose a frame in transit (it is still in `sent`). */
  filter: ((frame: Uint8Array, from: TestPort) => boolean) | undefined;

  constructor(name: string) {
    this.a = new TestPort(`${name}.a`);
    this.b = new TestPort(`${name}.b`);
  }

  /** Delivers frames in flight (each direction in order); returns how many were delivered. */
  pumpOnce(): number {
    return this.deliver(this.a) + this.deliver(this.b);
  }

  /** Delivers the frames `from` has in flight to the other end. */
  deliver(from: TestPort): number {
    const to = from === this.a ? this.b : this.a;
    let n = 0;
    for (const f of from.inFlight.splice(0)) {
      if (this.filter && !this.filter(f, from)) continue;
      to.inject(f);
      n++;
    }
    return n;
  }

  setCarrier(up: boolean): void {
    this.a.setCarrier(up);
    this.b.setCarrier(up);
  }
}

/** Stacks, wires and a clock. */
export class Lab {
  now = 0;
  readonly stacks: Stack[] = [];
  readonly wires: Wire[] = [];
  private macs = 0;

  stack(opts: StackOptions = {}): Stack {
    const s = new Stack({ random: seeded(this.stacks.length + 1), ...opts });
    this.stacks.push(s);
    return s;
  }

  /** Joins `s1.if1` and `s2.if2` with a new wire; addresses are optional `10.0.0.1/24` strings. */
  link(s1: Stack, if1: string, addr1: string | undefined, s2: Stack, if2: string, addr2: string | undefined, mtu = 1500): Wire {
    const w = new Wire(`${if1}-${if2}`);
    s1.addInterface({ name: if1, port: w.a, mac: 0x02_00_00_00_00_00 + ++this.macs, mtu });
    s2.addInterface({ name: if2, port: w.b, mac: 0x02_00_00_00_00_00 + ++this.macs, mtu });
    if (addr1) s1.addAddress(if1, addr1);
    if (addr2) s2.addAddress(if2, addr2);
    this.wires.push(w);
    return w;
  }

  /** Pumps every wire until nothing moves. */
  pump(): number {
    let total = 0;
    for (let guard = 0; guard < 10_000; guard++) {
      let n = 0;
      for (const w of this.wires) n += w.pumpOnce();
      total += n;
      if (n === 0) return total;
    }
    throw new Error('the network does not settle');
  }

  /** Moves the clock to `t`, polling every stack at each deadline on the way and pumping in between. */
  advanceTo(t: number): void {
    this.pump();
    for (let guard = 0; guard < 100_000; guard++) {
      let next = t;
      for (const s of this.stacks) {
        const at = s.pollAt();
        if (at !== undefined && at < next) next = Math.max(at, this.now);
      }
      this.now = next;
      for (const s of this.stacks) s.poll(next);
      this.pump();
      if (next >= t) return;
    }
    throw new Error('timers keep firing without time passing');
  }

  advance(ms: number): void {
    this.advanceTo(this.now + ms);
  }

  close(): void {
    for (const s of this.stacks) s.close();
  }
}

/** A small deterministic PRNG (mulberry32) for stacks and fuzzing. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function ip(text: string): Ipv4Address {
  return parseIpv4(text);
}

/** The IPv4 packets among captured frames (views), optionally filtered by protocol. */
export function ipv4Frames(frames: Uint8Array[], protocol?: number): Ipv4Packet[] {
  const out: Ipv4Packet[] = [];
  for (const f of frames) {
    const eth = new EthernetFrame(f);
    if (eth.ethertype !== EtherType.IPv4) continue;
    const p = new Ipv4Packet(f, 14);
    if (protocol === undefined || p.protocol === protocol) out.push(p);
  }
  return out;
}

export function arpFrames(frames: Uint8Array[]): Uint8Array[] {
  return frames.filter((f) => new EthernetFrame(f).ethertype === EtherType.ARP);
}

/** ARP requests that ask for someone (not gratuitous announcements, not replies). */
export function arpRequests(frames: Uint8Array[]): ArpRepr[] {
  return arpFrames(frames)
    .map((f) => Arp.parse(f, 14))
    .filter((a) => a.operation === ArpOperation.Request && a.senderIp !== a.targetIp);
}

/** Sum of a drop map. */
export function total(drops: Record<string, number>): number {
  let n = 0;
  for (const k in drops) n += drops[k];
  return n;
}

/** The frame conservation law of `stats.ts`. */
export function conserved(s: Stack): boolean {
  const f = s.stats.frames;
  return f.received === f.arp + f.delivered + f.forwarded + f.held + total(s.stats.rxDrops);
}
