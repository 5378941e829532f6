/**
 * The inside of a Stack: the state every layer shares (interfaces, routes, counters, the clock
 * given to `poll`, scratch buffers) and the layers themselves, wired to each other.
 *
 * Design, after smoltcp: the stack never reads a clock; `now` is the time of the last `poll`,
 * and each layer reports its next deadline so `pollAt` can say when to come back. Frames come
 * in through `receive` (a port's `onFrame`); anything that arrives while a frame is being
 * processed, and every loopback datagram, goes through one FIFO backlog drained before the
 * outermost call returns — so no layer is ever re-entered and each scratch buffer has one user
 * at a time. Scratch buffers keep 14 bytes in front of each datagram so the Ethernet header is
 * written in place, and views are reused: a frame that is answered or forwarded allocates nothing.
 */
import type { Ipv4Address } from '@vnet/frame';
import { BROADCAST32 } from './addr32.js';
import { NetstackError } from './errors.js';
import { FilterTable } from './filter/table.js';
import { FrameQueue } from './frame-queue.js';
import { EchoRegistry } from './icmp/echo.js';
import { IcmpLayer } from './icmp/icmp.js';
import { IcmpRateLimiter } from './icmp/rate-limit.js';
import { ArpLayer } from './iface/arp.js';
import { Interface } from './iface/interface.js';
import { NeighborCache } from './iface/neighbor-cache.js';
import { type RouteContext, RouteTable } from './iface/route-table.js';
import { Reassembler } from './ipv4/reassembly.js';
import { Ipv4Receive } from './ipv4/receive.js';
import { Ipv4Send } from './ipv4/send.js';
import { HEADROOM, MIN_FRAME } from './layout.js';
import {
  DEFAULT_ICMP,
  DEFAULT_NEIGHBOR,
  DEFAULT_REASSEMBLY,
  DEFAULT_TTL,
  type IcmpOptions,
  type NeighborOptions,
  type ReassemblyOptions,
  type StackOptions,
} from './options.js';
import type { ProtocolHandler } from './protocol.js';
import { count, newStackStats, RxDrop, type StackStats } from './stats.js';
import { UdpLayer } from './udp/udp.js';

/** Tag of a loopback datagram in the backlog (other tags are interface indexes). */
const LOOPBACK_TAG = -1;
/** IP protocol number of UDP. */
const UDP = 17;

export class Core {
  now = 0;
  closed = false;
  forwarding: boolean;
  /** `accept_redirects` as set, or undefined for Linux's default (accept unless forwarding); see `acceptsRedirects`. */
  acceptRedirects: boolean | undefined;
  sendRedirects: boolean;
  readonly hostname: string;
  readonly random: () => number;
  readonly defaultTtl: number;
  readonly neighborOpts: NeighborOptions;
  readonly reassemblyOpts: ReassemblyOptions;
  readonly icmpOpts: IcmpOptions;

  readonly stats: StackStats = newStackStats();
  readonly interfaces: Interface[] = [];
  readonly lo: Interface;
  readonly routes: RouteTable;
  readonly neighbors: NeighborCache;
  readonly arp: ArpLayer;
  readonly rx: Ipv4Receive;
  readonly tx: Ipv4Send;
  readonly reassembly: Reassembler;
  readonly icmp: IcmpLayer;
  readonly rateLimit: IcmpRateLimiter;
  readonly echo = new EchoRegistry();
  /** The packet filter the IPv4 paths consult (`stack.filter`). */
  readonly filter = new FilterTable(() => {
    live(this);
  });
  /** UDP sockets and datagrams; registered for IP protocol 17. */
  readonly udp: UdpLayer;
  /** Transports' timers, polled with the stack's own: each runs what is due and returns its next deadline. */
  readonly timers: Array<{ poll(now: number): number }> = [];
  /** Upper-layer protocols by IP protocol number (ICMP is built in). */
  readonly protocols: (ProtocolHandler | undefined)[] = new Array(256).fill(undefined);

  /** Where locally originated and forwarded datagrams are built (grows to the largest seen). */
  txBuf = new Uint8Array(HEADROOM + 1500);
  /** Where fragments are cut, from a datagram in another buffer. */
  fragBuf = new Uint8Array(HEADROOM + 1500);
  /** ICMP errors: a header, 8 bytes and at most 548 bytes of the offending datagram (RFC 1812's 576). */
  readonly icmpBuf = new Uint8Array(HEADROOM + 576);
  /** ARP frames, padded to the 60-byte minimum (bytes past the 42 used stay zero). */
  readonly arpBuf = new Uint8Array(MIN_FRAME);

  private readonly backlog = new FrameQueue(4096, 4 * 1024 * 1024);
  private depth = 0;
  private nextIndex = 1;
  /** The earliest deadline any layer asked for; may be early (a spurious poll is harmless). */
  private deadline = Number.POSITIVE_INFINITY;

  constructor(opts: StackOptions) {
    this.hostname = opts.hostname ?? 'localhost';
    this.random = opts.random ?? Math.random;
    this.forwarding = opts.forwarding ?? false;
    this.acceptRedirects = opts.acceptRedirects;
    this.sendRedirects = opts.sendRedirects ?? true;
    this.defaultTtl = opts.defaultTtl ?? DEFAULT_TTL;
    this.neighborOpts = { ...DEFAULT_NEIGHBOR, ...opts.neighbor };
    this.reassemblyOpts = { ...DEFAULT_REASSEMBLY, ...opts.reassembly };
    this.icmpOpts = { ...DEFAULT_ICMP, ...opts.icmp };
    const ctx: RouteContext = {
      interfaces: this.interfaces,
      interfaceByName: (name) => this.interfaceByName(name),
      isLocal: (a) => this.isLocal(a),
      checkOpen: () => {
        live(this);
      },
    };
    this.routes = new RouteTable(ctx);
    this.neighbors = new NeighborCache(this);
    this.arp = new ArpLayer(this);
    this.rx = new Ipv4Receive(this);
    this.tx = new Ipv4Send(this);
    this.reassembly = new Reassembler(this);
    this.icmp = new IcmpLayer(this);
    this.rateLimit = new IcmpRateLimiter(this.icmpOpts, this.stats.icmp);
    this.udp = new UdpLayer(this);
    this.protocols[UDP] = this.udp;
    this.lo = this.newInterface('lo', undefined, 0, 65536, true);
    // Nothing corrupts a loopback datagram: its checksums are skipped, as Linux's lo does.
    this.lo.checksumOffload = true;
  }

  newInterface(name: string, port: Interface['port'], mac: number, mtu: number, up: boolean): Interface {
    const iface = new Interface(this.nextIndex++, name, port, mac, mtu, up);
    this.interfaces.push(iface);
    return iface;
  }

  interfaceByName(name: string): Interface {
    for (const i of this.interfaces) if (i.name === name) return i;
    const names = this.interfaces.map((i) => i.name).join(', ');
    throw new NetstackError('no-such-interface', `no interface named "${name}"; this stack has ${names}`);
  }

  /** Whether ICMP redirects are followed now (Linux: a forwarding host ignores them unless told otherwise). */
  get acceptsRedirects(): boolean {
    return this.acceptRedirects ?? !this.forwarding;
  }

  /** 255.255.255.255, or the directed broadcast of a prefix on any interface. */
  isBroadcast(a: Ipv4Address): boolean {
    const list = this.interfaces;
    for (let i = 0; i < list.length; i++) if (!list[i].loopback && list[i].isBroadcast(a)) return true;
    return (a | 0) === BROADCAST32;
  }

  /** One of the host's addresses, or anything in the loopback's prefixes (127/8). */
  isLocal(a: Ipv4Address): boolean {
    const list = this.interfaces;
    for (let i = 0; i < list.length; i++) {
      const iface = list[i];
      if (iface.loopback ? iface.inSubnet(a) : iface.hasAddress(a)) return true;
    }
    return false;
  }

  // ---- the clock and deadlines ----

  noteDeadline(t: number): void {
    if (t < this.deadline) this.deadline = t;
  }

  pollAt(): number | undefined {
    if (this.backlog.size > 0) return this.now;
    return this.deadline === Number.POSITIVE_INFINITY ? undefined : this.deadline;
  }

  poll(now: number): void {
    this.now = now;
    this.depth++;
    try {
      if (now >= this.deadline) {
        // Timers that fire may schedule others (through noteDeadline); keep the earliest of all.
        this.deadline = Number.POSITIVE_INFINITY;
        const a = this.neighbors.poll(now);
        const b = this.reassembly.poll(now);
        const c = this.routes.expire(now);
        this.deadline = Math.min(this.deadline, a, b, c);
        for (const t of this.timers) this.deadline = Math.min(this.deadline, t.poll(now));
      }
      this.drain();
    } finally {
      this.depth--;
    }
  }

  // ---- the way in ----

  /** A port's `onFrame`. Never throws on any bytes; a throwing echo handler propagates. */
  receive(iface: Interface, bytes: Uint8Array, offset: number, length: number): void {
    if (this.closed) return;
    if (this.depth > 0) {
      if (!this.backlog.push(bytes, offset, length, iface.index)) {
        this.stats.frames.received++;
        iface.stats.rxPackets++;
        iface.stats.rxBytes += length;
        this.rxDrop(iface, RxDrop.BacklogFull, false);
      }
      return;
    }
    this.depth++;
    try {
      this.rx.frame(iface, bytes, offset, length);
      this.drain();
    } finally {
      this.depth--;
    }
  }

  /**
   * Brackets an operation from the user (a send, a configuration change): frames that arrive
   * meanwhile wait in the backlog, which `end` drains when the outermost operation finishes.
   * Use as `begin(); try { … } finally { end(); }` — no closure, so a send allocates nothing.
   */
  begin(): void {
    this.depth++;
  }

  end(): void {
    try {
      if (this.depth === 1) this.drain();
    } finally {
      this.depth--;
    }
  }

  /** Hands a datagram to the loopback interface; it is received once the current call unwinds. */
  loopback(buf: Uint8Array, offset: number, length: number): boolean {
    const lo = this.lo;
    if (!this.backlog.push(buf, offset, length, LOOPBACK_TAG)) {
      this.txDrop(lo, 'loopback-full');
      return false;
    }
    lo.stats.txPackets++;
    lo.stats.txBytes += length;
    return true;
  }

  private drain(): void {
    const q = this.backlog;
    while (q.shift()) {
      if (q.tag === LOOPBACK_TAG) {
        this.stats.frames.received++;
        this.lo.stats.rxPackets++;
        this.lo.stats.rxBytes += q.length;
        if (!this.lo.adminUp) this.rxDrop(this.lo, RxDrop.InterfaceDown, false);
        else this.rx.datagram(this.lo, q.bytes, q.offset, q.length, false);
      } else {
        const iface = this.interfaceByIndex(q.tag);
        if (iface !== undefined) this.rx.frame(iface, q.bytes, q.offset, q.length);
        else {
          // Its interface was removed while the frame waited.
          this.stats.frames.received++;
          count(this.stats.rxDrops, RxDrop.InterfaceDown);
        }
      }
    }
  }

  interfaceByIndex(index: number): Interface | undefined {
    const list = this.interfaces;
    for (let i = 0; i < list.length; i++) if (list[i].index === index) return list[i];
    return undefined;
  }

  // ---- the way out ----

  /** A datagram of `len` bytes fits in `txBuf` after the headroom. */
  txFor(len: number): Uint8Array {
    if (HEADROOM + len > this.txBuf.length) this.txBuf = new Uint8Array(HEADROOM + Math.max(len, 2 * this.txBuf.length));
    return this.txBuf;
  }

  fragFor(mtu: number): Uint8Array {
    if (HEADROOM + mtu > this.fragBuf.length) this.fragBuf = new Uint8Array(HEADROOM + mtu);
    return this.fragBuf;
  }

  /**
   * Puts a frame on an interface's wire. `frame[offset, offset + length)` is a whole Ethernet
   * frame; short ones are padded to 60 bytes, for which the buffer must have room.
   */
  transmit(iface: Interface, frame: Uint8Array, offset: number, length: number): boolean {
    const port = iface.port;
    if (port === undefined) return false;
    if (!port.up) {
      this.txDrop(iface, 'no-carrier');
      return false;
    }
    if (length < MIN_FRAME) {
      frame.fill(0, offset + length, offset + MIN_FRAME);
      length = MIN_FRAME;
    }
    if (!port.send(frame, offset, length)) {
      iface.stats.txErrors++;
      this.txDrop(iface, 'port-refused');
      return false;
    }
    iface.stats.txPackets++;
    iface.stats.txBytes += length;
    return true;
  }

  // ---- accounting ----

  rxDrop(iface: Interface, reason: string, malformed: boolean, frames = 1): void {
    count(this.stats.rxDrops, reason, frames);
    count(iface.rxDrops, reason, frames);
    if (malformed) iface.stats.rxErrors += frames;
    else iface.stats.rxDropped += frames;
  }

  txDrop(iface: Interface | undefined, reason: string, n = 1): void {
    count(this.stats.txDrops, reason, n);
    if (iface !== undefined) {
      count(iface.txDrops, reason, n);
      iface.stats.txDropped += n;
    }
  }

  close(): void {
    this.closed = true;
    this.backlog.clear();
  }
}

/** The core of a stack still open, or a `closed` error for the user. */
export function live(core: Core): Core {
  if (core.closed) throw new NetstackError('closed', 'this stack was closed; create a new Stack');
  return core;
}
