/**
 * One TCP connection (RFC 9293): its control block, the "segment arrives" processing of §3.10.7,
 * output with congestion and flow control, and its timers. The application sees it as a
 * `TcpSocket`.
 *
 * Design: sequence state in plain numbers; data in a send ring and a receive ring allocated on
 * first use; in-order data with nothing waiting goes straight from the segment to `onData`
 * without a copy. Loss recovery is SACK-based (RFC 6675, simplified: every hole below the
 * highest SACKed byte counts as lost) and falls back to NewReno's one retransmission per
 * partial ACK when the peer sends no SACK. RTT comes from timestamps (RFC 7323), RTO from
 * RFC 6298 with Linux's 200 ms floor. Timers are deadlines checked on `poll`.
 */
import { IpProtocol, internetChecksum, pseudoHeaderSum4, setU16, setU32, TCP_HEADER_LEN, TcpFlags, type TcpSegment } from '@vnet/frame';
import { NetstackError } from '../errors.js';
import { PAYLOAD_AT } from '../layout.js';
import { ReceiveRing, SendRing, type SeqRange } from './buffers.js';
import { type CongestionAlgorithm, type CongestionControl, createCongestionControl } from './congestion.js';
import type { TcpHost } from './host.js';
import { type SegmentOptions, writeSynOptions, writeTimestamp } from './options.js';
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from './seq.js';

export type TcpState =
  | 'SYN_SENT'
  | 'SYN_RECEIVED'
  | 'ESTABLISHED'
  | 'FIN_WAIT_1'
  | 'FIN_WAIT_2'
  | 'CLOSE_WAIT'
  | 'CLOSING'
  | 'LAST_ACK'
  | 'TIME_WAIT'
  | 'CLOSED';

/** Per-socket settings; the stack's `tcp` options give the defaults. */
export interface TcpSocketOptions {
  /** Disable Nagle's algorithm (`TCP_NODELAY`). */
  noDelay?: boolean;
  congestion?: CongestionAlgorithm;
  /** Send and receive buffer sizes in bytes (default 4 MiB each, allocated on first use). */
  sendBuffer?: number;
  receiveBuffer?: number;
  /** Keepalive: probe after this many ms idle (0: off, the default). */
  keepAlive?: number;
}

/** `ss -ti`-style figures of a connection. */
export interface TcpInfo {
  state: TcpState;
  congestion: CongestionAlgorithm;
  mss: number;
  cwnd: number;
  ssthresh: number;
  srtt: number;
  rttvar: number;
  rto: number;
  /** Bytes written and not yet acknowledged / received and not yet read. */
  sendQueue: number;
  receiveQueue: number;
  bytesSent: number;
  bytesAcked: number;
  bytesReceived: number;
  segmentsOut: number;
  segmentsIn: number;
  retransmits: number;
  /** The peer's window (bytes) and ours. */
  sendWindow: number;
  receiveWindow: number;
  sack: boolean;
  timestamps: boolean;
  wscale: [send: number, receive: number];
}

const MIN_RTO = 200;
const MAX_RTO = 120_000;
const INITIAL_RTO = 1000;
const DELAYED_ACK_MS = 40;
/** Retransmissions before giving up: Linux's tcp_retries2 and tcp_syn_retries. */
const MAX_RETRIES = 15;
const MAX_SYN_RETRIES = 6;
const KEEPALIVE_INTERVAL = 75_000;
const KEEPALIVE_PROBES = 9;
const FIN_WAIT_2_MS = 60_000;
const DUP_THRESH = 3;
const NONE = Number.POSITIVE_INFINITY;

export class TcpSocket {
  state: TcpState;
  readonly localAddress: number;
  readonly localPort: number;
  readonly remoteAddress: number;
  readonly remotePort: number;

  /** Connected (the handshake finished). */
  onConnect: (() => void) | undefined;
  /** Bytes arrived in order; the view is valid only during the call. */
  onData: ((bytes: Uint8Array, offset: number, length: number) => void) | undefined;
  /** The peer finished sending (its FIN). */
  onEnd: (() => void) | undefined;
  /** Room again (a quarter of the send buffer) after a `write` filled it or took less than it was given. */
  onDrain: (() => void) | undefined;
  /** The connection is over: closed in order (no error), reset, refused or timed out. Called once. */
  onClose: ((error?: NetstackError) => void) | undefined;

  // Send sequence space.
  private iss = 0;
  private sndUna = 0;
  private sndNxt = 0;
  /** The highest sequence number sent: after a timeout's go-back, SND.NXT is below it and ACKs up to it are still valid. */
  private sndMax = 0;
  /** The peer's window in bytes, and the segment that last updated it. */
  private sndWnd = 0;
  private sndWl1 = 0;
  private sndWl2 = 0;
  private sndScale = 0;
  // Receive sequence space.
  private rcvNxt = 0;
  private rcvScale: number;
  /** Window scaling agreed (both SYNs carried the option). */
  private wsOk = false;
  /** The right edge of the window last advertised: never moved left. */
  private rcvAdv = 0;

  private mss = 536;
  /** Segments leave through an interface with checksum offload: no checksum is computed. */
  private offload = false;
  private readonly sndBuf: SendRing;
  private readonly rcvBuf: ReceiveRing;
  private paused = false;
  private tsOk = false;
  private tsRecent = 0;
  private sackOk = false;

  /** The application asked to close its side; the FIN's sequence number once sent. */
  private finQueued = false;
  private finSent = false;
  private finSeq = 0;
  private peerFin = false;
  /** The peer's FIN arrived while data waited for a paused reader. */
  private endPending = false;
  /** The connection ended in order while that data still waited: `onClose` follows `onEnd`. */
  private closePending = false;
  private closed = false;
  private drainWanted = false;

  private cc: CongestionControl;
  private noDelay: boolean;
  private keepAliveIdle: number;

  // RTT (RFC 6298) and the retransmission timer.
  private srtt = 0;
  private rttvar = 0;
  private rto = INITIAL_RTO;
  private retries = 0;
  /** Without timestamps: the segment being timed (Karn's algorithm), -1 when none. */
  private rttSeq = -1;
  private rttStart = 0;

  // Loss recovery.
  private dupAcks = 0;
  private inRecovery = false;
  /** A timeout sent everything below `recoverPoint` again: duplicates until then start no recovery. */
  private afterRto = false;
  private recoverPoint = 0;
  /** The peer's SACK blocks above sndUna, sorted and merged. */
  private scoreboard: SeqRange[] = [];
  /** Holes below this were retransmitted in the current recovery. */
  private highRxt = 0;

  // Timers: deadlines in ms, NONE when off.
  private rtoAt = NONE;
  private delackAt = NONE;
  private persistAt = NONE;
  private persistBackoff = 0;
  private keepaliveAt = NONE;
  private keepaliveProbes = 0;
  private timeWaitAt = NONE;
  private finWait2At = NONE;
  private ackNow = false;
  private pendingAcks = 0;
  /** Segments still acknowledged at once, as Linux's quick-ACK mode at the start of a connection. */
  private quickAcks = 16;
  private lastActivity = 0;

  // Counters for `info()`.
  private bytesSent = 0;
  private bytesAcked = 0;
  private bytesReceived = 0;
  private segmentsOut = 0;
  private segmentsIn = 0;
  private retransmits = 0;

  constructor(
    private readonly host: TcpHost,
    local: number,
    localPort: number,
    remote: number,
    remotePort: number,
    options: Required<TcpSocketOptions>,
    /** The listener that made it, while the handshake is not finished. */
    public listener: { pending: number; accept(s: TcpSocket): void } | undefined,
  ) {
    this.localAddress = local;
    this.localPort = localPort;
    this.remoteAddress = remote;
    this.remotePort = remotePort;
    this.state = 'CLOSED';
    this.sndBuf = new SendRing(options.sendBuffer);
    this.rcvBuf = new ReceiveRing(options.receiveBuffer);
    let scale = 0;
    while (scale < 14 && options.receiveBuffer >>> scale > 0xffff) scale++;
    this.rcvScale = scale;
    this.noDelay = options.noDelay;
    this.keepAliveIdle = options.keepAlive;
    this.cc = createCongestionControl(options.congestion, this.mss);
    this.lastActivity = host.now;
  }

  // ---- the application's side ----

  /** Queues bytes to send; returns how many fitted in the send buffer (the rest: wait for `onDrain`). */
  write(data: Uint8Array, offset = 0, length = data.length - offset): number {
    if (this.finQueued || this.closed) throw new NetstackError('closed', 'write after end: this socket no longer sends');
    const n = this.sndBuf.write(data, offset, length);
    if (n < length || this.sndBuf.free === 0) this.drainWanted = true;
    if (this.synchronized) this.host.run(this);
    return n;
  }

  /** Room in the send buffer. */
  get writable(): number {
    return this.sndBuf.free;
  }

  /** Sends a FIN once everything written has been sent (a half close). */
  end(): void {
    if (this.finQueued || this.closed) return;
    this.finQueued = true;
    if (this.synchronized) this.host.run(this);
  }

  /** Aborts: a RST to the peer, and the connection is gone (`SO_LINGER` 0). */
  destroy(): void {
    if (this.closed) return;
    if (this.synchronized || this.state === 'SYN_RECEIVED') this.sendSegment(this.sndNxt, TcpFlags.RST | TcpFlags.ACK, 0, 0);
    this.terminate(undefined);
  }

  /** Stops handing data to `onData`: it waits in the receive buffer and the window closes. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    // What waited is delivered even when the connection has ended meanwhile.
    this.deliver();
    if (this.state !== 'CLOSED') this.host.run(this);
  }

  setNoDelay(on = true): void {
    this.noDelay = on;
    if (on && this.synchronized) this.host.run(this);
  }

  setKeepAlive(idleMs: number): void {
    this.keepAliveIdle = Math.max(0, idleMs);
    this.keepaliveAt = this.keepAliveIdle > 0 && this.state === 'ESTABLISHED' ? this.host.now + this.keepAliveIdle : NONE;
    this.host.timerChanged(this);
  }

  setCongestion(name: CongestionAlgorithm): void {
    const old = this.cc;
    this.cc = createCongestionControl(name, this.mss);
    this.cc.cwnd = old.cwnd;
    this.cc.ssthresh = old.ssthresh;
  }

  info(): TcpInfo {
    return {
      state: this.state,
      congestion: this.cc.name,
      mss: this.mss,
      cwnd: this.cc.cwnd,
      ssthresh: this.cc.ssthresh,
      srtt: this.srtt,
      rttvar: this.rttvar,
      rto: this.rto,
      sendQueue: this.sndBuf.length,
      receiveQueue: this.rcvBuf.readable,
      bytesSent: this.bytesSent,
      bytesAcked: this.bytesAcked,
      bytesReceived: this.bytesReceived,
      segmentsOut: this.segmentsOut,
      segmentsIn: this.segmentsIn,
      retransmits: this.retransmits,
      sendWindow: this.sndWnd,
      receiveWindow: this.rcvBuf.window,
      sack: this.sackOk,
      timestamps: this.tsOk,
      wscale: [this.sndScale, this.rcvScale],
    };
  }

  private get synchronized(): boolean {
    const s = this.state;
    return s !== 'SYN_SENT' && s !== 'SYN_RECEIVED' && s !== 'CLOSED';
  }

  // ---- opening ----

  /** Active open: sends the SYN. */
  open(iss: number, mss: number): void {
    this.offload = this.host.offloadTo(this.remoteAddress);
    this.iss = iss;
    this.sndUna = iss;
    this.sndNxt = iss;
    this.mss = mss;
    this.state = 'SYN_SENT';
    this.sendSyn();
  }

  /** Passive open, from a listener's SYN: sends the SYN-ACK. */
  accept(seg: TcpSegment, o: SegmentOptions, iss: number, mss: number): void {
    this.offload = this.host.offloadTo(this.remoteAddress);
    this.iss = iss;
    this.sndUna = iss;
    this.sndNxt = iss;
    this.rcvNxt = seqAdd(seg.seq, 1);
    this.rcvAdv = this.rcvNxt;
    this.takeSynOptions(seg, o, mss);
    this.state = 'SYN_RECEIVED';
    this.sendSyn();
  }

  private takeSynOptions(seg: TcpSegment, o: SegmentOptions, ourMss: number): void {
    this.mss = Math.min(ourMss, o.mss > 0 ? o.mss : 536);
    this.wsOk = o.wscale >= 0;
    this.sndScale = this.wsOk ? o.wscale : 0;
    this.sackOk = o.sackOk;
    this.tsOk = o.ts;
    if (o.ts) this.tsRecent = o.tsVal;
    // The window in a SYN is never scaled.
    this.sndWnd = seg.window;
    this.sndWl1 = seg.seq;
    this.sndWl2 = seg.ack;
    // Unscaled on our side too when the peer does not scale (RFC 7323 §2.2).
    if (!this.wsOk) this.rcvScale = 0;
    this.cc = createCongestionControl(this.cc.name, this.mss);
  }

  private sendSyn(): void {
    const flags = this.state === 'SYN_SENT' ? TcpFlags.SYN : TcpFlags.SYN | TcpFlags.ACK;
    this.sendSegment(this.iss, flags, 0, 0);
    this.sndNxt = seqAdd(this.iss, 1);
    this.sndMax = this.sndNxt;
    this.armRto();
  }

  // ---- segment arrives (RFC 9293 §3.10.7.4 and on) ----

  input(seg: TcpSegment, o: SegmentOptions): void {
    this.segmentsIn++;
    this.lastActivity = this.host.now;
    const flags = seg.flags;
    if (this.state === 'SYN_SENT') {
      this.inputSynSent(seg, o, flags);
      return;
    }
    const seq = seg.seq;
    const len = seg.payloadLen;
    if (this.state === 'SYN_RECEIVED' && (flags & (TcpFlags.SYN | TcpFlags.RST)) === TcpFlags.SYN && seq === seqAdd(this.rcvNxt, -1)) {
      if ((flags & TcpFlags.ACK) !== 0 && seg.ack === this.sndNxt) {
        // A simultaneous open's SYN-ACK: it completes our handshake as an ACK would (as Linux does).
        this.establish(seg);
        if (!this.closed) this.processAck(seg, o);
      } else {
        // Our SYN-ACK was lost: the peer's SYN again.
        this.sendSegment(this.iss, TcpFlags.SYN | TcpFlags.ACK, 0, 0);
        return;
      }
      this.host.run(this);
      return;
    }
    // PAWS (RFC 7323 §5): a segment whose timestamp is older than the last one is a stale duplicate.
    if (this.tsOk && o.ts && (flags & TcpFlags.RST) === 0 && seqLt(o.tsVal, this.tsRecent)) {
      this.host.stats.PAWSDrops++;
      this.ackNow = true;
      this.host.run(this);
      return;
    }
    if (!this.acceptable(seq, len, flags)) {
      if ((flags & TcpFlags.RST) === 0) {
        this.ackNow = true;
        this.host.run(this);
      }
      return;
    }
    if ((flags & TcpFlags.RST) !== 0) {
      // RFC 5961 §3: only a RST exactly at the edge resets; others get a challenge ACK.
      if (seq !== this.rcvNxt) {
        this.ackNow = true;
        this.host.run(this);
        return;
      }
      this.host.stats.EstabResets += this.state === 'ESTABLISHED' || this.state === 'CLOSE_WAIT' ? 1 : 0;
      if (this.state === 'SYN_RECEIVED' && this.listener) this.terminate(undefined);
      else this.terminate(new NetstackError('connection-reset', 'connection reset by peer (ECONNRESET)'));
      return;
    }
    if ((flags & TcpFlags.SYN) !== 0) {
      // RFC 5961 §4: a SYN in a synchronized state gets a challenge ACK.
      this.ackNow = true;
      this.host.run(this);
      return;
    }
    if ((flags & TcpFlags.ACK) === 0) return;
    if (o.ts && seqLe(seq, this.rcvNxt)) this.tsRecent = o.tsVal;
    if (this.state === 'SYN_RECEIVED') {
      if (!(seqLt(this.sndUna, seg.ack) && seqLe(seg.ack, this.sndNxt))) {
        this.sendSegment(seg.ack, TcpFlags.RST, 0, 0);
        return;
      }
      this.establish(seg);
      if (this.closed) return;
    }
    if (!this.processAck(seg, o)) return;
    if (len > 0) this.receiveData(seg, seq, len);
    if ((flags & TcpFlags.FIN) !== 0) this.receiveFin(seq, len);
    if (this.state !== 'CLOSED') this.host.run(this);
  }

  private inputSynSent(seg: TcpSegment, o: SegmentOptions, flags: number): void {
    const hasAck = (flags & TcpFlags.ACK) !== 0;
    if (hasAck && (seqLe(seg.ack, this.iss) || seqGt(seg.ack, this.sndNxt))) {
      if ((flags & TcpFlags.RST) === 0) this.sendSegment(seg.ack, TcpFlags.RST, 0, 0);
      return;
    }
    if ((flags & TcpFlags.RST) !== 0) {
      if (hasAck) {
        this.host.stats.AttemptFails++;
        this.terminate(new NetstackError('connection-refused', 'connection refused (ECONNREFUSED): nothing listens on that port'));
      }
      return;
    }
    if ((flags & TcpFlags.SYN) === 0) return;
    this.rcvNxt = seqAdd(seg.seq, 1);
    this.rcvAdv = this.rcvNxt;
    this.takeSynOptions(seg, o, this.mss);
    if (hasAck) {
      this.sndUna = seg.ack;
      if (this.tsOk && o.tsEcr !== 0) this.rttSample(Math.max(0, (this.host.now >>> 0) - o.tsEcr), this.host.now);
      this.establish(seg);
      this.ackNow = true;
      this.host.run(this);
    } else {
      // Simultaneous open: both sent SYNs; answer with a SYN-ACK.
      this.state = 'SYN_RECEIVED';
      this.sendSegment(this.iss, TcpFlags.SYN | TcpFlags.ACK, 0, 0);
    }
  }

  private establish(seg: TcpSegment): void {
    this.state = 'ESTABLISHED';
    if ((seg.flags & TcpFlags.SYN) === 0) {
      // A SYN's window is never scaled; the first plain ACK's is.
      this.sndWnd = seg.window << this.sndScale;
      this.sndWl1 = seg.seq;
      this.sndWl2 = seg.ack;
    }
    this.rcvAdv = seqAdd(this.rcvNxt, this.rcvBuf.window);
    this.retries = 0;
    this.rtoAt = NONE;
    this.host.established(this);
    if (this.keepAliveIdle > 0) this.keepaliveAt = this.host.now + this.keepAliveIdle;
    const l = this.listener;
    if (l) {
      this.listener = undefined;
      l.pending--;
      l.accept(this);
    } else this.onConnect?.();
  }

  /** RFC 9293 §3.10.7.4's acceptability test. */
  private acceptable(seq: number, len: number, flags: number): boolean {
    const wnd = seqDiff(this.rcvAdv, this.rcvNxt) > 0 ? seqDiff(this.rcvAdv, this.rcvNxt) : 0;
    const segLen = len + ((flags & TcpFlags.SYN) !== 0 ? 1 : 0) + ((flags & TcpFlags.FIN) !== 0 ? 1 : 0);
    if (segLen === 0) return wnd === 0 ? seq === this.rcvNxt : seqGe(seq, this.rcvNxt) && seqLt(seq, seqAdd(this.rcvNxt, wnd));
    if (wnd === 0) return false;
    const end = seqAdd(seq, segLen - 1);
    const right = seqAdd(this.rcvNxt, wnd);
    if (seqGe(seq, this.rcvNxt) && seqLt(seq, right)) return true;
    // Retransmitted data overlapping the left edge is acceptable (its new part is kept).
    return seqGe(end, this.rcvNxt) && (seqLt(end, right) || seqLt(seq, this.rcvNxt));
  }

  /** The ACK field: false when the segment must be dropped. */
  private processAck(seg: TcpSegment, o: SegmentOptions): boolean {
    const ack = seg.ack;
    if (seqGt(ack, this.sndMax)) {
      // Acknowledges something not yet sent.
      this.ackNow = true;
      this.host.run(this);
      return false;
    }
    const now = this.host.now;
    const wnd = seg.window << this.sndScale;
    if (o.sackBlocks > 0 && this.sackOk) this.takeSack(o);
    if (seqGt(ack, this.sndUna)) {
      const acked = seqDiff(ack, this.sndUna);
      this.ackData(acked, ack, o, now);
    } else if (
      ack === this.sndUna &&
      seg.payloadLen === 0 &&
      (seg.flags & TcpFlags.FIN) === 0 &&
      wnd === this.sndWnd &&
      this.sndMax !== this.sndUna
    ) {
      this.duplicateAck(now);
    }
    // Window update (RFC 9293 §3.10.7.4, with SND.WL1/WL2).
    if (seqLt(this.sndWl1, seg.seq) || (this.sndWl1 === seg.seq && seqLe(this.sndWl2, ack))) {
      const opened = this.sndWnd === 0 && wnd > 0;
      this.sndWnd = wnd;
      this.sndWl1 = seg.seq;
      this.sndWl2 = ack;
      if (opened) {
        this.persistAt = NONE;
        this.persistBackoff = 0;
      }
    }
    return true;
  }

  private ackData(acked: number, ack: number, o: SegmentOptions, now: number): void {
    // A FIN of ours in the acknowledged range is not data.
    const finAcked = this.finSent && seqGt(ack, this.finSeq);
    const dataAcked = Math.min(acked - (finAcked ? 1 : 0), this.sndBuf.length);
    const flightBefore = seqDiff(this.sndMax, this.sndUna);
    this.sndBuf.consume(dataAcked);
    this.bytesAcked += dataAcked;
    this.sndUna = ack;
    if (seqLt(this.sndNxt, ack)) this.sndNxt = ack;
    if (this.scoreboard.length > 0) {
      this.scoreboard = this.scoreboard.filter((r) => seqGt(r.right, ack));
      if (this.scoreboard.length > 0 && seqLt(this.scoreboard[0].left, ack))
        this.scoreboard[0] = { left: ack, right: this.scoreboard[0].right };
    }
    if (this.afterRto && seqGe(ack, this.recoverPoint)) this.afterRto = false;
    if (seqLt(this.highRxt, ack)) this.highRxt = ack;
    this.retries = 0;
    // RTT: from the echoed timestamp, else from the timed segment (never a retransmitted one).
    if (this.tsOk && o.ts && o.tsEcr !== 0) this.rttSample(Math.max(0, (now >>> 0) - o.tsEcr), now);
    else if (this.rttSeq >= 0 && seqGt(ack, this.rttSeq)) {
      this.rttSample(now - this.rttStart, now);
      this.rttSeq = -1;
    }
    if (this.inRecovery) {
      if (seqGe(ack, this.recoverPoint)) {
        this.inRecovery = false;
        this.cc.cwnd = Math.max(this.cc.ssthresh, 2 * this.mss);
        this.dupAcks = 0;
      } else if (this.scoreboard.length === 0) {
        // NewReno's partial ACK: the next hole starts here.
        this.retransmitAt(ack);
      }
    } else {
      this.dupAcks = 0;
      // The window grows only while it limits the sender (RFC 7661; Linux's tcp_is_cwnd_limited).
      const cwnd = this.cc.cwnd;
      if (cwnd < this.cc.ssthresh ? 2 * flightBefore > cwnd : flightBefore + this.mss >= cwnd) this.cc.onAck(dataAcked, now, this.srtt);
    }
    this.rtoAt = this.sndMax === this.sndUna ? NONE : now + this.rto;
    if (finAcked) this.ourFinAcked();
    // Room for a good part of the buffer again: time to write more (not a drain per ACK).
    if (this.drainWanted && this.sndBuf.free >= this.sndBuf.capacity / 4 && !this.finQueued) {
      this.drainWanted = false;
      this.onDrain?.();
    }
  }

  private duplicateAck(now: number): void {
    this.dupAcks++;
    if (this.inRecovery || this.dupAcks < DUP_THRESH) return;
    // Fast retransmit (RFC 5681 §3.2), unless these duplicates answer a timeout's go-back (RFC 6582 §4.1).
    if (this.afterRto) return;
    this.inRecovery = true;
    this.recoverPoint = this.sndMax;
    this.highRxt = this.sndUna;
    this.cc.onLoss(seqDiff(this.sndMax, this.sndUna), now);
    this.host.stats.FastRetrans++;
    this.retransmitAt(this.sndUna);
  }

  private takeSack(o: SegmentOptions): void {
    for (let k = 0; k < o.sackBlocks; k++) {
      const left = o.sack[2 * k];
      const right = o.sack[2 * k + 1];
      if (!seqLt(left, right) || seqLe(right, this.sndUna) || seqGt(right, this.sndMax)) continue;
      this.addSacked(seqLt(left, this.sndUna) ? this.sndUna : left, right);
    }
  }

  private addSacked(left: number, right: number): void {
    const keep: SeqRange[] = [];
    let l = left;
    let r = right;
    for (const x of this.scoreboard) {
      if (seqLt(x.right, l) || seqGt(x.left, r)) keep.push(x);
      else {
        if (seqLt(x.left, l)) l = x.left;
        if (seqGt(x.right, r)) r = x.right;
      }
    }
    keep.push({ left: l, right: r });
    keep.sort((a, b) => seqDiff(a.left, b.left));
    this.scoreboard = keep;
  }

  private rttSample(rtt: number, now: number): void {
    if (this.srtt === 0 && this.rttvar === 0) {
      this.srtt = rtt;
      this.rttvar = rtt / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rtt);
      this.srtt = 0.875 * this.srtt + 0.125 * rtt;
    }
    this.rto = Math.min(MAX_RTO, Math.max(MIN_RTO, this.srtt + Math.max(1, 4 * this.rttvar)));
    this.lastActivity = now;
  }

  private ourFinAcked(): void {
    switch (this.state) {
      case 'FIN_WAIT_1':
        this.state = 'FIN_WAIT_2';
        this.finWait2At = this.host.now + FIN_WAIT_2_MS;
        break;
      case 'CLOSING':
        this.enterTimeWait();
        break;
      case 'LAST_ACK':
        this.terminate(undefined);
        break;
    }
  }

  private receiveData(seg: TcpSegment, seq: number, len: number): void {
    if (this.peerFin || !(this.state === 'ESTABLISHED' || this.state === 'FIN_WAIT_1' || this.state === 'FIN_WAIT_2')) return;
    let off = seg.payloadOffset;
    let n = len;
    let s = seq;
    // Trim what we already have on the left, and what lies beyond the window on the right.
    const before = seqDiff(this.rcvNxt, s);
    if (before > 0) {
      off += before;
      n -= before;
      s = this.rcvNxt;
    }
    const room = seqDiff(this.rcvAdv, s);
    if (n > room) n = Math.max(0, room);
    if (n <= 0) {
      this.ackNow = true;
      return;
    }
    this.bytesReceived += n;
    const rb = this.rcvBuf;
    if (s === this.rcvNxt && rb.readable === 0 && rb.ooo.length === 0 && !this.paused && this.onData) {
      // The fast path: in order, nothing waiting: straight from the segment to the application.
      this.rcvNxt = seqAdd(this.rcvNxt, n);
      this.onData(seg.bytes, off, n);
      this.ackReceived(n);
      return;
    }
    const moved = rb.store(s, this.rcvNxt, seg.bytes, off, n);
    if (moved === 0) {
      // Out of order: ACK at once, so the sender counts duplicates and sees the SACK.
      this.ackNow = true;
      return;
    }
    const filledHole = rb.ooo.length > 0 || moved > n;
    this.rcvNxt = seqAdd(this.rcvNxt, moved);
    this.deliver();
    if (filledHole) this.ackNow = true;
    this.ackReceived(moved);
  }

  /** Hands the readable bytes to the application unless paused; then the peer's FIN if it waited for them. */
  private deliver(): void {
    if (this.paused || !this.onData) return;
    const sink = this.onData;
    this.rcvBuf.read(this.rcvBuf.readable, sink);
    if (this.endPending && this.rcvBuf.readable === 0) {
      this.endPending = false;
      this.onEnd?.();
      if (this.closePending) {
        this.closePending = false;
        this.onClose?.(undefined);
      }
    }
  }

  /** ACK every second full segment at once, others after the delayed-ACK time (RFC 1122, RFC 5681 §4.2). */
  private ackReceived(_bytes: number): void {
    this.pendingAcks++;
    if (this.pendingAcks >= 2 || this.quickAcks > 0) {
      this.ackNow = true;
      if (this.quickAcks > 0) this.quickAcks--;
    } else if (this.delackAt === NONE) this.delackAt = this.host.now + DELAYED_ACK_MS;
  }

  private receiveFin(seq: number, len: number): void {
    if (this.peerFin) {
      this.ackNow = true;
      if (this.state === 'TIME_WAIT') this.timeWaitAt = this.host.now + this.host.timeWaitMs;
      return;
    }
    // Only a FIN that is next in sequence counts; an early one is dropped (it will come again).
    if (seqAdd(seq, len) !== this.rcvNxt || this.rcvBuf.ooo.length > 0) return;
    this.peerFin = true;
    this.rcvNxt = seqAdd(this.rcvNxt, 1);
    this.ackNow = true;
    const wasFinWait2 = this.state === 'FIN_WAIT_2';
    if (this.state === 'SYN_RECEIVED' || this.state === 'ESTABLISHED') this.state = 'CLOSE_WAIT';
    else if (this.state === 'FIN_WAIT_1') this.state = 'CLOSING';
    // The application hears the end before the close that TIME_WAIT reports.
    this.endWhenRead();
    if (wasFinWait2) {
      this.finWait2At = NONE;
      this.enterTimeWait();
    }
  }

  /** The peer's FIN reaches the application after the data before it: at once, or once a paused reader took the rest. */
  private endWhenRead(): void {
    if (this.rcvBuf.readable > 0) this.endPending = true;
    else this.onEnd?.();
  }

  private enterTimeWait(): void {
    this.state = 'TIME_WAIT';
    this.rtoAt = NONE;
    this.persistAt = NONE;
    this.keepaliveAt = NONE;
    this.timeWaitAt = this.host.now + this.host.timeWaitMs;
    this.finish(undefined);
  }

  // ---- output ----

  /** Sends what the windows allow: data, a FIN, or at least a pending ACK. */
  output(): void {
    if (!this.synchronized) return;
    if (this.rcvBuf.readable > 0) this.deliver();
    const now = this.host.now;
    let sent = false;
    for (;;) {
      if (this.inRecovery && this.sackOk && this.scoreboard.length > 0) {
        if (this.pipe() >= this.cc.cwnd) break;
        const hole = this.nextHole();
        if (hole >= 0) {
          this.retransmitAt(this.highRxt, hole);
          sent = true;
          continue;
        }
      }
      const flight = seqDiff(this.sndNxt, this.sndUna);
      const sentData = Math.min(flight, this.sndBuf.length);
      const unsent = this.sndBuf.length - sentData;
      const cwndRoom = this.inRecovery ? this.cc.cwnd - this.pipe() : this.cc.cwnd - flight;
      const wndRoom = this.sndWnd - flight;
      const full = this.segmentRoom();
      // Whole bytes only: a window may be fractional after a reduction.
      let n = Math.floor(Math.min(full, unsent, cwndRoom, wndRoom));
      if (n > 0) {
        const last = n === unsent;
        // Nagle (RFC 896): a small segment waits while data is unacknowledged.
        if (n < full && !this.noDelay && flight > 0 && !(last && this.finQueued)) break;
        const withFin = last && this.finQueued && !this.finSent;
        this.sendData(this.sndNxt, sentData, n, withFin);
        sent = true;
        continue;
      }
      if (unsent === 0 && this.finQueued && !this.finSent) {
        this.sendData(this.sndNxt, sentData, 0, true);
        sent = true;
      }
      if (unsent > 0 && this.sndWnd === 0 && this.rtoAt === NONE && this.persistAt === NONE) {
        this.persistAt = now + Math.min(MAX_RTO, this.rto * 2 ** this.persistBackoff);
      }
      n = 0;
      break;
    }
    if (!sent && (this.ackNow || this.windowUpdateDue())) this.sendSegment(this.sndNxt, TcpFlags.ACK, 0, 0);
    this.host.timerChanged(this);
  }

  /** Bytes presumed in the network during SACK recovery: above the highest SACK, plus retransmitted holes. */
  private pipe(): number {
    const sb = this.scoreboard;
    if (sb.length === 0) return Math.max(0, seqDiff(this.sndNxt, this.sndUna) - this.dupAcks * this.mss);
    const high = sb[sb.length - 1].right;
    let pipe = seqDiff(this.sndNxt, high);
    let at = this.sndUna;
    for (const r of sb) {
      if (seqGe(at, this.highRxt)) break;
      const holeEnd = seqLt(r.left, this.highRxt) ? r.left : this.highRxt;
      if (seqGt(holeEnd, at)) pipe += seqDiff(holeEnd, at);
      at = r.right;
    }
    return pipe;
  }

  /** The length of the next hole at `highRxt` to retransmit (moving `highRxt` to it), or -1. */
  private nextHole(): number {
    let at = seqLt(this.highRxt, this.sndUna) ? this.sndUna : this.highRxt;
    for (const r of this.scoreboard) {
      if (seqLt(at, r.left)) {
        this.highRxt = at;
        return Math.min(this.segmentRoom(), seqDiff(r.left, at));
      }
      if (seqLt(at, r.right)) at = r.right;
    }
    return -1;
  }

  /** Payload bytes a segment can carry: the MSS less the options every segment now takes (as Linux's tcp_current_mss). */
  private segmentRoom(): number {
    const sack = this.sackOk ? Math.min(this.rcvBuf.recent.length, this.tsOk ? 3 : 4) : 0;
    return this.mss - (this.tsOk ? 12 : 0) - (sack > 0 ? 4 + 8 * sack : 0);
  }

  /** Retransmits up to one segment at `seq` (`len` bytes when given); moves `highRxt` past it. */
  private retransmitAt(seq: number, len = this.segmentRoom()): void {
    const from = seqDiff(seq, this.sndUna);
    const n = Math.max(0, Math.min(len, this.sndBuf.length - from));
    const fin = this.finSent && seqAdd(seq, n) === this.finSeq;
    if (n === 0 && !fin) return;
    this.retransmits++;
    this.host.stats.RetransSegs++;
    if (this.rttSeq >= 0 && seqLe(seq, this.rttSeq)) this.rttSeq = -1;
    this.sendSegment(seq, TcpFlags.ACK | (n > 0 && n < len ? TcpFlags.PSH : 0) | (fin ? TcpFlags.FIN : 0), from, n);
    this.highRxt = seqAdd(seq, n);
    if (this.rtoAt === NONE) this.rtoAt = this.host.now + this.rto;
  }

  private sendData(seq: number, from: number, n: number, fin: boolean): void {
    const last = n > 0 && from + n === this.sndBuf.length;
    this.sendSegment(seq, TcpFlags.ACK | (last ? TcpFlags.PSH : 0) | (fin ? TcpFlags.FIN : 0), from, n);
    if (n > 0 && !this.tsOk && this.rttSeq < 0 && seqGe(seq, this.sndMax)) {
      this.rttSeq = seq;
      this.rttStart = this.host.now;
    }
    this.sndNxt = seqAdd(seq, n + (fin ? 1 : 0));
    if (seqGt(this.sndNxt, this.sndMax)) this.sndMax = this.sndNxt;
    this.bytesSent += n;
    if (fin) {
      this.finSent = true;
      this.finSeq = seqAdd(seq, n);
      if (this.state === 'ESTABLISHED') this.state = 'FIN_WAIT_1';
      else if (this.state === 'CLOSE_WAIT') this.state = 'LAST_ACK';
    }
    this.armRto();
  }

  private armRto(): void {
    if (this.rtoAt === NONE) this.rtoAt = this.host.now + this.rto;
    this.host.timerChanged(this);
  }

  /** After the application read: tell the peer when the window grew by a good part (receiver SWS avoidance). */
  private windowUpdateDue(): boolean {
    const right = seqAdd(this.rcvNxt, this.rcvBuf.window);
    const grown = seqDiff(right, this.rcvAdv);
    return grown >= Math.min(this.rcvBuf.capacity / 2, 2 * this.mss) && this.synchronized && !this.peerFin;
  }

  /**
   * Builds and sends one segment: header, options (timestamps, SACK blocks), `n` bytes of the
   * send buffer from `from`, checksum.
   */
  private sendSegment(seq: number, flags: number, from: number, n: number): void {
    const host = this.host;
    const syn = (flags & TcpFlags.SYN) !== 0;
    const maxOpts = 40;
    const buf = host.buffer(TCP_HEADER_LEN + maxOpts + n);
    const at = PAYLOAD_AT;
    const now = host.now >>> 0;
    let optLen = 0;
    if (syn) {
      const active = this.state === 'SYN_SENT';
      const wscale = active || this.wsOk ? this.rcvScale : -1;
      optLen = writeSynOptions(
        buf,
        at + TCP_HEADER_LEN,
        host.mssFor(this.remoteAddress),
        active || this.sackOk,
        active || this.tsOk,
        now,
        this.tsRecent,
        wscale,
      );
    } else {
      let i = at + TCP_HEADER_LEN;
      if (this.tsOk) {
        buf[i++] = 1;
        buf[i++] = 1;
        writeTimestamp(buf, i, now, this.tsRecent);
        i += 10;
      }
      const blocks = this.sackOk ? Math.min(this.rcvBuf.recent.length, this.tsOk ? 3 : 4) : 0;
      if (blocks > 0) {
        buf[i++] = 1;
        buf[i++] = 1;
        buf[i++] = 5;
        buf[i++] = 2 + 8 * blocks;
        for (let k = 0; k < blocks; k++) {
          const r = this.rcvBuf.recent[k];
          setU32(buf, i, r.left);
          setU32(buf, i + 4, r.right);
          i += 8;
        }
      }
      optLen = i - at - TCP_HEADER_LEN;
    }
    const hl = TCP_HEADER_LEN + optLen;
    // The window: what the receive buffer has room for, never less than already advertised.
    let wnd = this.rcvBuf.window;
    const promised = seqDiff(this.rcvAdv, this.rcvNxt);
    if (wnd < promised) wnd = promised;
    const field = syn ? Math.min(wnd, 0xffff) : Math.min(wnd >>> this.rcvScale, 0xffff);
    if ((flags & TcpFlags.ACK) !== 0 || syn) {
      const edge = seqAdd(this.rcvNxt, syn ? field : field << this.rcvScale);
      if (seqGt(edge, this.rcvAdv)) this.rcvAdv = edge;
    }
    setU16(buf, at, this.localPort);
    setU16(buf, at + 2, this.remotePort);
    setU32(buf, at + 4, seq);
    setU32(buf, at + 8, (flags & TcpFlags.ACK) !== 0 ? this.rcvNxt : 0);
    setU16(buf, at + 12, ((hl >>> 2) << 12) | flags);
    setU16(buf, at + 14, field);
    setU16(buf, at + 16, 0);
    setU16(buf, at + 18, 0);
    if (n > 0) this.sndBuf.copyOut(from, n, buf, at + hl);
    const total = hl + n;
    if (!this.offload) {
      const sum = pseudoHeaderSum4(this.localAddress, this.remoteAddress, IpProtocol.TCP, total);
      setU16(buf, at + 16, internetChecksum(buf, at, at + total, sum));
    }
    if ((flags & TcpFlags.ACK) !== 0) {
      this.ackNow = false;
      this.pendingAcks = 0;
      this.delackAt = NONE;
    }
    this.segmentsOut++;
    host.send(this, total);
  }

  // ---- timers ----

  /** The earliest deadline of this connection. */
  timerAt(): number {
    return Math.min(this.rtoAt, this.delackAt, this.persistAt, this.keepaliveAt, this.timeWaitAt, this.finWait2At);
  }

  /** Runs the timers due at `now`. */
  onTimer(now: number): void {
    if (now >= this.timeWaitAt) {
      this.terminate(undefined);
      return;
    }
    if (now >= this.finWait2At) {
      this.terminate(undefined);
      return;
    }
    if (now >= this.rtoAt) this.retransmitTimeout(now);
    if (this.closed) return;
    if (now >= this.delackAt) {
      this.delackAt = NONE;
      this.host.stats.DelayedACKs++;
      this.ackNow = true;
    }
    if (now >= this.persistAt) {
      // Zero-window probe: a segment just below the window edge makes the peer say its window.
      this.persistAt = NONE;
      this.persistBackoff = Math.min(this.persistBackoff + 1, 10);
      this.sendSegment(seqAdd(this.sndUna, -1), TcpFlags.ACK, 0, 0);
      if (this.sndWnd === 0) this.persistAt = now + Math.min(MAX_RTO, this.rto * 2 ** this.persistBackoff);
    }
    if (now >= this.keepaliveAt) this.keepalive(now);
    if (!this.closed) this.output();
  }

  private retransmitTimeout(now: number): void {
    this.retries++;
    const limit = this.synchronized ? MAX_RETRIES : MAX_SYN_RETRIES;
    if (this.retries > limit) {
      this.terminate(new NetstackError('timed-out', `connection timed out (ETIMEDOUT) after ${this.retries - 1} retransmissions`));
      return;
    }
    this.host.stats.Timeouts++;
    this.rto = Math.min(MAX_RTO, this.rto * 2);
    this.rtoAt = now + this.rto;
    this.rttSeq = -1;
    if (!this.synchronized) {
      this.retransmits++;
      this.host.stats.RetransSegs++;
      this.sendSegment(this.iss, this.state === 'SYN_SENT' ? TcpFlags.SYN : TcpFlags.SYN | TcpFlags.ACK, 0, 0);
      return;
    }
    // Go back to the oldest unacknowledged byte with a one-segment window (RFC 5681 §3.1).
    this.cc.onTimeout(seqDiff(this.sndMax, this.sndUna), now);
    this.recoverPoint = this.sndMax;
    this.afterRto = true;
    this.inRecovery = false;
    this.dupAcks = 0;
    this.scoreboard = [];
    this.sndNxt = this.sndUna;
    // An unacknowledged FIN goes again after the data before it.
    if (this.finSent && seqGe(this.finSeq, this.sndUna)) this.finSent = false;
    this.retransmits++;
    this.host.stats.RetransSegs++;
    const n = Math.min(this.segmentRoom(), this.sndBuf.length);
    const fin = n === this.sndBuf.length && this.finQueued;
    this.sendSegment(this.sndUna, TcpFlags.ACK | (fin ? TcpFlags.FIN : 0), 0, n);
    this.sndNxt = seqAdd(this.sndUna, n + (fin ? 1 : 0));
    if (fin) {
      this.finSent = true;
      this.finSeq = seqAdd(this.sndUna, n);
    }
  }

  private keepalive(now: number): void {
    if (now - this.lastActivity < this.keepAliveIdle) {
      this.keepaliveAt = this.lastActivity + this.keepAliveIdle;
      this.keepaliveProbes = 0;
      return;
    }
    if (this.keepaliveProbes >= KEEPALIVE_PROBES) {
      this.terminate(new NetstackError('timed-out', 'connection timed out (ETIMEDOUT): keepalive probes went unanswered'));
      return;
    }
    this.keepaliveProbes++;
    this.sendSegment(seqAdd(this.sndUna, -1), TcpFlags.ACK, 0, 0);
    this.keepaliveAt = now + KEEPALIVE_INTERVAL;
  }

  // ---- the end ----

  /** Tells the application once that the connection is over. */
  private finish(error: NetstackError | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.host.closed(this);
    // An orderly end waits for a paused reader to take the data and the FIN; a reset does not.
    if (error === undefined && this.endPending) this.closePending = true;
    else this.onClose?.(error);
  }

  /** Leaves the table now: CLOSED. */
  terminate(error: NetstackError | undefined): void {
    if (this.listener) {
      this.listener.pending--;
      this.listener = undefined;
    }
    this.state = 'CLOSED';
    this.rtoAt = this.delackAt = this.persistAt = this.keepaliveAt = this.timeWaitAt = this.finWait2At = NONE;
    this.finish(error);
    this.host.remove(this);
  }
}
