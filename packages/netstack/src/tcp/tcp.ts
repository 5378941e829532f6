/**
 * The TCP layer of a stack: the table of connections and listeners, segment demultiplexing,
 * RSTs for segments nobody wants (RFC 9293 §3.10.7.1), initial sequence numbers (RFC 6528),
 * ephemeral ports, listen backlogs, and the timers of every connection.
 *
 * Connections are found by local port, then by remote address and port packed in one number:
 * two Map lookups and no string per segment.
 */
import {
  formatIpv4,
  IPV4_HEADER_LEN,
  IpProtocol,
  type Ipv4Packet,
  internetChecksum,
  pseudoHeaderSum4,
  setU16,
  setU32,
  TcpFlags,
  TcpSegment,
  verifyChecksum,
} from '@vnet/frame';
import { dst32, src32 } from '../addr32.js';
import { checkInt, ipv4Of } from '../address.js';
import type { Core } from '../core.js';
import { NetstackError } from '../errors.js';
import type { ProtocolHandler } from '../protocol.js';
import { TcpSocket, type TcpSocketOptions, type TcpState } from './connection.js';
import type { TcpHost } from './host.js';
import { SegmentOptions } from './options.js';
import { newTcpStats, type TcpStats } from './stats.js';

/** The stack-wide TCP settings (`StackOptions.tcp`). */
export interface TcpOptions extends TcpSocketOptions {
  /** TIME_WAIT length in ms (Linux: 60 s). */
  timeWaitMs?: number;
}

export interface TcpListenOptions extends TcpSocketOptions {
  port: number;
  /** Listen on one address only (default: all). */
  address?: string | number;
  /** Connections in the handshake at most (default 128, Linux's somaxconn); further SYNs are dropped and counted. */
  backlog?: number;
  onConnection: (socket: TcpSocket) => void;
}

export interface TcpConnectOptions extends TcpSocketOptions {
  address: string | number;
  port: number;
  localPort?: number;
}

export class TcpListener {
  /** Connections in the handshake. */
  pending = 0;
  closed = false;

  constructor(
    private readonly layer: TcpLayer,
    readonly port: number,
    /** 0: any. */
    readonly address: number,
    readonly backlog: number,
    readonly options: Required<TcpSocketOptions>,
    readonly onConnection: (socket: TcpSocket) => void,
  ) {}

  accept(socket: TcpSocket): void {
    if (!this.closed) this.onConnection(socket);
    else socket.destroy();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.layer.unlisten(this);
  }
}

/** A row of `ss -t`. */
export interface TcpConnectionInfo {
  state: TcpState | 'LISTEN';
  localAddress: number;
  localPort: number;
  remoteAddress: number;
  remotePort: number;
  sendQueue: number;
  receiveQueue: number;
}

const EPHEMERAL_LOW = 32768;
const EPHEMERAL_HIGH = 60999;

export class TcpLayer implements ProtocolHandler, TcpHost {
  readonly stats: TcpStats = newTcpStats();
  readonly timeWaitMs: number;
  private readonly defaults: Required<TcpSocketOptions>;
  private readonly byPort = new Map<number, Map<number, TcpSocket>>();
  private readonly listeners = new Map<number, TcpListener[]>();
  /** Every connection, for the timers. */
  private readonly all = new Set<TcpSocket>();
  private readonly seg = new TcpSegment();
  private readonly opts = new SegmentOptions();
  private readonly secret: number;
  private nextEphemeral: number;

  constructor(
    private readonly core: Core,
    options: TcpOptions = {},
  ) {
    this.timeWaitMs = options.timeWaitMs ?? 60_000;
    this.defaults = socketOptions(options, {
      noDelay: false,
      congestion: 'cubic',
      sendBuffer: 4 * 1024 * 1024,
      receiveBuffer: 4 * 1024 * 1024,
      keepAlive: 0,
    });
    this.secret = Math.floor(core.random() * 0x1_0000_0000) | 0;
    this.nextEphemeral = EPHEMERAL_LOW + Math.floor(core.random() * (EPHEMERAL_HIGH - EPHEMERAL_LOW));
  }

  get now(): number {
    return this.core.now;
  }

  // ---- the application's calls ----

  listen(o: TcpListenOptions): TcpListener {
    const port = checkInt(o.port, 1, 65535, 'listening port');
    if (typeof o.onConnection !== 'function') throw new NetstackError('bad-value', 'listen needs an onConnection callback');
    const address = o.address === undefined ? 0 : ipv4Of(o.address, 'listening address') | 0;
    const list = this.listeners.get(port) ?? [];
    if (list.some((l) => l.address === 0 || address === 0 || l.address === address)) {
      throw new NetstackError('in-use', `port ${port} is already listened on (EADDRINUSE); close that listener or pick another port`);
    }
    const backlog = checkInt(o.backlog ?? 128, 1, 65535, 'backlog');
    const l = new TcpListener(this, port, address, backlog, socketOptions(o, this.defaults), o.onConnection);
    list.push(l);
    this.listeners.set(port, list);
    return l;
  }

  unlisten(l: TcpListener): void {
    const list = this.listeners.get(l.port)?.filter((x) => x !== l) ?? [];
    if (list.length) this.listeners.set(l.port, list);
    else this.listeners.delete(l.port);
  }

  connect(o: TcpConnectOptions): TcpSocket {
    const core = this.core;
    const remote = ipv4Of(o.address, 'destination') | 0;
    const remotePort = checkInt(o.port, 1, 65535, 'destination port');
    const route = core.isLocal(remote) ? undefined : core.routes.find(remote);
    if (!core.isLocal(remote) && route === undefined) {
      throw new NetstackError('network-unreachable', `connect: Network is unreachable (no route to ${formatAddress(remote)})`);
    }
    const local = route === undefined ? remote : core.routes.sourceFor(route, remote) | 0;
    const localPort = o.localPort === undefined ? this.ephemeral(remote, remotePort) : checkInt(o.localPort, 1, 65535, 'local port');
    if (this.byPort.get(localPort)?.has(key(remote, remotePort))) {
      throw new NetstackError('in-use', `a connection ${localPort} → ${formatAddress(remote)}:${remotePort} exists (EADDRINUSE)`);
    }
    const s = new TcpSocket(this, local, localPort, remote, remotePort, socketOptions(o, this.defaults), undefined);
    this.add(s);
    this.stats.ActiveOpens++;
    const open = () => {
      if (!this.all.has(s) || core.closed) return;
      core.begin();
      try {
        s.open(this.iss(local, localPort, remote, remotePort), this.mssFor(remote));
      } finally {
        core.end();
      }
    };
    // Over loopback the whole handshake would finish inside this call, before the caller set
    // its callbacks: the SYN leaves once the caller's code has run.
    if (route === undefined) queueMicrotask(open);
    else open();
    return s;
  }

  /** Every connection and listener, as `ss -tan` lists them. */
  connections(): TcpConnectionInfo[] {
    const rows: TcpConnectionInfo[] = [];
    for (const list of this.listeners.values()) {
      for (const l of list) {
        rows.push({
          state: 'LISTEN',
          localAddress: l.address,
          localPort: l.port,
          remoteAddress: 0,
          remotePort: 0,
          sendQueue: 0,
          receiveQueue: l.pending,
        });
      }
    }
    for (const s of this.all) {
      const i = s.info();
      rows.push({
        state: s.state,
        localAddress: s.localAddress,
        localPort: s.localPort,
        remoteAddress: s.remoteAddress,
        remotePort: s.remotePort,
        sendQueue: i.sendQueue,
        receiveQueue: i.receiveQueue,
      });
    }
    return rows;
  }

  // ---- segments in ----

  input(ip: Ipv4Packet, ifindex: number, broadcast: boolean): string | undefined {
    const stats = this.stats;
    stats.InSegs++;
    if (broadcast) return 'tcp-broadcast';
    const b = ip.bytes;
    const at = ip.payloadOffset;
    const len = ip.payloadLen;
    if (len < 20 || (b[at + 12] >>> 4) << 2 < 20 || (b[at + 12] >>> 4) << 2 > len) {
      stats.InErrs++;
      return 'tcp-malformed';
    }
    const src = src32(ip);
    const dst = dst32(ip);
    const trusted = this.core.interfaceByIndex(ifindex)?.checksumOffload === true;
    if (!trusted && !verifyChecksum(b, at, at + len, pseudoHeaderSum4(src, dst, IpProtocol.TCP, len))) {
      stats.InErrs++;
      stats.InCsumErrors++;
      return 'tcp-checksum';
    }
    const seg = this.seg.reset(b, at, len);
    if (!this.opts.parse(b, at + 20, seg.payloadOffset)) {
      stats.InErrs++;
      return 'tcp-bad-options';
    }
    const conn = this.byPort.get(seg.dstPort)?.get(key(src, seg.srcPort));
    if (conn !== undefined && (conn.localAddress | 0) === dst) {
      conn.input(seg, this.opts);
      return undefined;
    }
    const listener = this.listenerFor(seg.dstPort, dst);
    if (listener !== undefined) return this.inputListen(listener, seg, src, dst);
    this.reset(seg, src, dst);
    return 'tcp-no-socket';
  }

  private listenerFor(port: number, dst: number): TcpListener | undefined {
    const list = this.listeners.get(port);
    if (list === undefined) return undefined;
    for (const l of list) if (l.address === 0 || l.address === dst) return l;
    return undefined;
  }

  /** A segment for a listener (RFC 9293 §3.10.7.2). */
  private inputListen(l: TcpListener, seg: TcpSegment, src: number, dst: number): string | undefined {
    const flags = seg.flags;
    if ((flags & TcpFlags.RST) !== 0) return 'tcp-rst-to-listener';
    if ((flags & TcpFlags.ACK) !== 0) {
      this.reset(seg, src, dst);
      return 'tcp-ack-to-listener';
    }
    if ((flags & TcpFlags.SYN) === 0) return 'tcp-no-syn';
    if (l.pending >= l.backlog) {
      this.stats.ListenOverflows++;
      this.stats.ListenDrops++;
      return 'tcp-backlog-full';
    }
    const s = new TcpSocket(this, dst, l.port, src, seg.srcPort, l.options, l);
    l.pending++;
    this.add(s);
    this.stats.PassiveOpens++;
    s.accept(seg, this.opts, this.iss(dst, l.port, src, seg.srcPort), this.mssFor(src));
    return undefined;
  }

  /** The RST for a segment nobody wants (never for a RST). */
  private reset(seg: TcpSegment, src: number, dst: number): void {
    const flags = seg.flags;
    if ((flags & TcpFlags.RST) !== 0) return;
    const core = this.core;
    const buf = this.buffer(20);
    const at = IPV4_HEADER_LEN + 14;
    const ackFlag = (flags & TcpFlags.ACK) !== 0;
    const segLen = seg.payloadLen + ((flags & TcpFlags.SYN) !== 0 ? 1 : 0) + ((flags & TcpFlags.FIN) !== 0 ? 1 : 0);
    const seq = ackFlag ? seg.ack : 0;
    const ack = ackFlag ? 0 : (seg.seq + segLen) >>> 0;
    writeBareSegment(buf, at, seg.dstPort, seg.srcPort, seq, ack, ackFlag ? TcpFlags.RST : TcpFlags.RST | TcpFlags.ACK, 0);
    if (!this.offloadTo(src)) setU16(buf, at + 16, internetChecksum(buf, at, at + 20, pseudoHeaderSum4(dst, src, IpProtocol.TCP, 20)));
    this.stats.OutRsts++;
    this.stats.OutSegs++;
    core.tx.sendBuilt(src, dst, IpProtocol.TCP, core.defaultTtl, 0, true, 20);
  }

  // ---- TcpHost ----

  buffer(length: number): Uint8Array {
    return this.core.txFor(IPV4_HEADER_LEN + length);
  }

  send(conn: TcpSocket, length: number): void {
    this.stats.OutSegs++;
    this.core.tx.sendBuilt(conn.remoteAddress, conn.localAddress, IpProtocol.TCP, this.core.defaultTtl, 0, true, length);
  }

  /** Whether segments towards `remote` leave through an interface with checksum offload. */
  offloadTo(remote: number): boolean {
    const core = this.core;
    return (core.isLocal(remote) ? core.lo : core.routes.find(remote)?.iface)?.checksumOffload === true;
  }

  mssFor(remote: number): number {
    const core = this.core;
    const mtu = core.isLocal(remote) ? core.lo.mtu : (core.routes.find(remote)?.iface.mtu ?? 576);
    return Math.min(mtu, 65535) - 40;
  }

  run(conn: TcpSocket): void {
    const core = this.core;
    core.begin();
    try {
      conn.output();
    } finally {
      core.end();
    }
  }

  timerChanged(conn: TcpSocket): void {
    const t = conn.timerAt();
    if (t !== Number.POSITIVE_INFINITY) this.core.noteDeadline(t);
  }

  established(_conn: TcpSocket): void {
    this.stats.CurrEstab++;
  }

  closed(_conn: TcpSocket): void {}

  remove(conn: TcpSocket): void {
    if (!this.all.delete(conn)) return;
    const m = this.byPort.get(conn.localPort);
    m?.delete(key(conn.remoteAddress, conn.remotePort));
    if (m?.size === 0) this.byPort.delete(conn.localPort);
  }

  // ---- timers ----

  /** Runs the connections' due timers; returns the next deadline. */
  poll(now: number): number {
    let next = Number.POSITIVE_INFINITY;
    for (const s of this.all) {
      if (s.timerAt() <= now) s.onTimer(now);
      const t = s.timerAt();
      if (t < next) next = t;
    }
    return next;
  }

  /** Closes every connection without a word (the stack is going away). */
  close(): void {
    for (const s of [...this.all]) s.terminate(new NetstackError('closed', 'the stack was closed'));
    this.listeners.clear();
  }

  // ---- inside ----

  private add(s: TcpSocket): void {
    let m = this.byPort.get(s.localPort);
    if (m === undefined) {
      m = new Map();
      this.byPort.set(s.localPort, m);
    }
    m.set(key(s.remoteAddress, s.remotePort), s);
    this.all.add(s);
  }

  /** A free local port for a connection to `remote:port`, from Linux's ephemeral range. */
  private ephemeral(remote: number, port: number): number {
    const span = EPHEMERAL_HIGH - EPHEMERAL_LOW + 1;
    for (let i = 0; i < span; i++) {
      const p = EPHEMERAL_LOW + ((this.nextEphemeral - EPHEMERAL_LOW + i) % span);
      if (this.listeners.has(p) || this.byPort.get(p)?.has(key(remote, port))) continue;
      this.nextEphemeral = p + 1 > EPHEMERAL_HIGH ? EPHEMERAL_LOW : p + 1;
      return p;
    }
    throw new NetstackError('in-use', `no free local port towards ${formatAddress(remote)}:${port} (EADDRNOTAVAIL)`);
  }

  /** RFC 6528: a 4 µs clock plus a keyed hash of the connection's addresses. */
  private iss(local: number, localPort: number, remote: number, remotePort: number): number {
    let h = this.secret ^ 0x9e3779b9;
    for (const v of [local, remote, (localPort << 16) | remotePort]) {
      h = Math.imul(h ^ v, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
    }
    return (h + Math.floor(this.core.now * 250)) >>> 0;
  }
}

/** The connection key below the local port: remote address and port in one number. */
function key(remote: number, port: number): number {
  return (remote | 0) * 65536 + port;
}

function socketOptions(o: TcpSocketOptions, d: Required<TcpSocketOptions>): Required<TcpSocketOptions> {
  const r = {
    noDelay: o.noDelay ?? d.noDelay,
    congestion: o.congestion ?? d.congestion,
    sendBuffer: o.sendBuffer ?? d.sendBuffer,
    receiveBuffer: o.receiveBuffer ?? d.receiveBuffer,
    keepAlive: o.keepAlive ?? d.keepAlive,
  };
  if (r.congestion !== 'newreno' && r.congestion !== 'cubic')
    throw new NetstackError('bad-value', `congestion control is 'newreno' or 'cubic', not ${String(r.congestion)}`);
  checkInt(r.sendBuffer, 1024, 1 << 30, 'send buffer');
  checkInt(r.receiveBuffer, 1024, 1 << 30, 'receive buffer');
  checkInt(r.keepAlive, 0, 1e9, 'keepalive idle time');
  return r;
}

/** A header without options and with a zero checksum. */
function writeBareSegment(
  b: Uint8Array,
  at: number,
  sport: number,
  dport: number,
  seq: number,
  ack: number,
  flags: number,
  window: number,
): void {
  setU16(b, at, sport);
  setU16(b, at + 2, dport);
  setU32(b, at + 4, seq);
  setU32(b, at + 8, ack);
  setU16(b, at + 12, (5 << 12) | flags);
  setU16(b, at + 14, window);
  setU32(b, at + 16, 0);
}

function formatAddress(a: number): string {
  return formatIpv4(a >>> 0);
}
