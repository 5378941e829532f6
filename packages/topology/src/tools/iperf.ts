/**
 * `iperf`, with iperf3's options and report format, over the host's own TCP. Client and server
 * are both vnet hosts, so they speak a small protocol of their own (a 12-byte test header, then
 * the data; the connection's close ends the test) rather than iperf3's control channel.
 *
 * The client keeps the send buffer full from `onDrain`; the bytes that count are those the
 * peer acknowledged, so the sender's rate is what crossed the network, not what was queued.
 */
import { formatIpv4, parseIpv4 } from '@vnet/frame';
import type { CongestionAlgorithm, Stack, TcpSocket } from '@vnet/netstack';
import { TopologyError } from '../errors.js';
import { numberOption, parseShortOptions, usage } from './args.js';

export interface IperfHost {
  stack: Stack;
  now(): number;
  /** Polls the stack now (after sends made outside frame handling). */
  kick(): void;
}

const MAGIC = 0x564e4950; // 'VNIP'
const HEADER = 12;
const FLAG_REVERSE = 1;

/** Per-stream figures of a finished test. */
export interface IperfStream {
  bytes: number;
  seconds: number;
  retransmits: number;
}

export interface IperfResult {
  /** Bytes and time of the whole test, over all streams. */
  sent: IperfStream;
  received: IperfStream;
  bitsPerSecond: number;
}

const USAGE =
  'usage: iperf -s [-p port] [-1] | iperf -c host [-p port] [-t secs] [-i secs] [-P streams] [-l len] [-R] [-C newreno|cubic] [-J]';

/** `iperf -s` or `iperf -c HOST`. */
export async function iperf(
  host: IperfHost,
  args: string[],
  write: (text: string) => void,
  signal?: AbortSignal,
): Promise<IperfResult | undefined> {
  const { opts, rest } = parseShortOptions('iperf', args, 'cptiPlC', 'sR1J');
  const port = numberOption('iperf', opts, 'p', 5201, 1, 65535);
  if (opts.has('s')) {
    if (rest.length) throw usage('iperf', USAGE);
    await server(host, port, opts.has('1'), write, signal);
    return undefined;
  }
  const target = opts.get('c') ?? rest[0];
  if (!target) throw usage('iperf', USAGE);
  let address: number;
  try {
    address = parseIpv4(target);
  } catch {
    throw usage('iperf', `error - unable to connect to server: ${target}: Name or service not known`);
  }
  const congestion = opts.get('C');
  if (congestion !== undefined && congestion !== 'newreno' && congestion !== 'cubic') {
    throw usage('iperf', `congestion control ${congestion} is not one this host has (newreno, cubic)`);
  }
  return client(
    host,
    {
      address,
      port,
      seconds: numberOption('iperf', opts, 't', 10, 0.01, 86_400),
      interval: numberOption('iperf', opts, 'i', 1, 0, 3600),
      streams: numberOption('iperf', opts, 'P', 1, 1, 128),
      length: numberOption('iperf', opts, 'l', 128 * 1024, 1, 1 << 24),
      reverse: opts.has('R'),
      json: opts.has('J'),
      congestion: congestion as CongestionAlgorithm | undefined,
    },
    write,
    signal,
  );
}

interface ClientOptions {
  address: number;
  port: number;
  seconds: number;
  interval: number;
  streams: number;
  length: number;
  reverse: boolean;
  json: boolean;
  congestion: CongestionAlgorithm | undefined;
}

interface Stream {
  id: number;
  socket: TcpSocket;
  /** Bytes read (receiving), or the acknowledged count when the data began (sending). */
  received: number;
  ackedAtStart: number;
  lastBytes: number;
  lastRetransmits: number;
  done: boolean;
  ended: Promise<void>;
}

async function client(host: IperfHost, o: ClientOptions, write: (text: string) => void, signal?: AbortSignal): Promise<IperfResult> {
  const stack = host.stack;
  const out = o.json ? () => {} : write;
  out(`Connecting to host ${formatIpv4(o.address)}, port ${o.port}\n`);
  if (o.reverse) out(`Reverse mode, remote host ${formatIpv4(o.address)} is sending\n`);
  const header = new Uint8Array(HEADER);
  const dv = new DataView(header.buffer);
  dv.setUint32(0, MAGIC);
  dv.setUint8(4, 1);
  dv.setUint8(5, o.reverse ? FLAG_REVERSE : 0);
  dv.setUint32(8, Math.round(o.seconds * 1000));
  const payload = new Uint8Array(o.length);
  for (let i = 0; i < payload.length; i++) payload[i] = i & 0xff;

  const streams: Stream[] = [];
  const connected: Array<Promise<void>> = [];
  for (let i = 0; i < o.streams; i++) {
    const socket = stack.tcp.connect({ address: o.address, port: o.port, ...(o.congestion ? { congestion: o.congestion } : {}) });
    let resolveEnd: () => void = () => {};
    let rejectEnd: (e: Error) => void = () => {};
    const s: Stream = {
      id: 5 + i * 2,
      socket,
      received: 0,
      ackedAtStart: 0,
      lastBytes: 0,
      lastRetransmits: 0,
      done: false,
      ended: new Promise<void>((resolve, reject) => {
        resolveEnd = resolve;
        rejectEnd = reject;
      }),
    };
    s.ended.catch(() => {});
    streams.push(s);
    connected.push(
      new Promise<void>((resolve, reject) => {
        socket.onConnect = () => resolve();
        socket.onClose = (e) => {
          s.done = true;
          if (e) {
            reject(new TopologyError('bad-state', `iperf: error - ${e.message}`));
            rejectEnd(new TopologyError('bad-state', `iperf: error - ${e.message}`));
          } else resolveEnd();
        };
      }),
    );
  }
  host.kick();
  await abortable(Promise.all(connected), signal, () => {
    for (const s of streams) s.socket.destroy();
  });
  for (const s of streams) {
    out(
      `[${String(s.id).padStart(3)}] local ${formatIpv4(s.socket.localAddress >>> 0)} port ${s.socket.localPort} connected to ${formatIpv4(o.address)} port ${o.port}\n`,
    );
  }
  const start = host.now();
  const deadline = start + o.seconds * 1000;
  const intervals: Array<{ start: number; end: number; bytes: number; retransmits: number }> = [];
  out(`[ ID] Interval           Transfer     Bitrate${o.reverse ? '' : '         Retr  Cwnd'}\n`);

  // What a stream counts: bytes read when receiving, bytes the peer acknowledged when sending.
  const counted = (s: Stream) => (o.reverse ? s.received : Math.max(0, s.socket.info().bytesAcked - s.ackedAtStart - HEADER));
  for (const s of streams) {
    const sock = s.socket;
    s.ackedAtStart = sock.info().bytesAcked;
    sock.write(header);
    if (o.reverse) {
      sock.onData = (_b, _o, n) => {
        s.received += n;
      };
      sock.onEnd = () => sock.end();
    } else {
      const fill = () => {
        if (host.now() >= deadline) {
          sock.end();
          return;
        }
        while (sock.writable > 0 && sock.write(payload, 0, Math.min(payload.length, sock.writable)) > 0) {}
      };
      sock.onDrain = fill;
      sock.onEnd = () => {};
      fill();
    }
  }
  host.kick();

  let last = start;
  const report = () => {
    const now = host.now();
    let bytes = 0;
    let retransmits = 0;
    for (const s of streams) {
      const total = counted(s);
      const d = total - s.lastBytes;
      const r = s.socket.info().retransmits - s.lastRetransmits;
      s.lastBytes = total;
      s.lastRetransmits += r;
      bytes += d;
      retransmits += r;
      if (!o.json && streams.length === 1) {
        out(intervalLine(s.id, last - start, now - start, d, o.reverse ? undefined : r, o.reverse ? undefined : s.socket.info().cwnd));
      } else if (!o.json) out(intervalLine(s.id, last - start, now - start, d, undefined, undefined));
    }
    if (!o.json && streams.length > 1)
      out(intervalLine(-1, last - start, now - start, bytes, o.reverse ? undefined : retransmits, undefined));
    intervals.push({ start: last - start, end: now - start, bytes, retransmits });
    last = now;
  };
  const timer = o.interval > 0 ? setInterval(report, o.interval * 1000) : undefined;
  // The sender stops at the deadline (checked on each drain, and here in case no drain comes).
  const stopper = setTimeout(() => {
    if (!o.reverse) for (const s of streams) s.socket.end();
    host.kick();
  }, o.seconds * 1000);
  try {
    await abortable(Promise.all(streams.map((s) => s.ended)), signal, () => {
      for (const s of streams) s.socket.destroy();
    });
  } finally {
    if (timer) clearInterval(timer);
    clearTimeout(stopper);
  }
  if (o.interval > 0 && host.now() - last > 1) report();
  const seconds = (host.now() - start) / 1000;
  const bytes = streams.reduce((n, s) => n + counted(s), 0);
  const retransmits = streams.reduce((n, s) => n + s.socket.info().retransmits, 0);
  const result: IperfResult = {
    sent: { bytes, seconds, retransmits },
    received: { bytes, seconds, retransmits: 0 },
    bitsPerSecond: (bytes * 8) / seconds,
  };
  if (o.json) {
    write(`${JSON.stringify(iperf3Json(o, streams, intervals, result), null, 2)}\n`);
    return result;
  }
  out('- - - - - - - - - - - - - - - - - - - - - - - - -\n');
  out(`[ ID] Interval           Transfer     Bitrate         Retr\n`);
  const id = streams.length === 1 ? streams[0].id : -1;
  out(`${intervalLine(id, 0, seconds * 1000, bytes, retransmits, undefined).trimEnd()}             sender\n`);
  out(`${intervalLine(id, 0, seconds * 1000, bytes, undefined, undefined).trimEnd()}                  receiver\n`);
  out('\niperf Done.\n');
  return result;
}

async function server(host: IperfHost, port: number, once: boolean, write: (text: string) => void, signal?: AbortSignal): Promise<void> {
  const stack = host.stack;
  let tests = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const banner = () =>
    write(
      `-----------------------------------------------------------\nServer listening on ${port} (test #${tests + 1})\n-----------------------------------------------------------\n`,
    );
  banner();
  const listener = stack.tcp.listen({
    port,
    onConnection: (socket) => {
      write(`Accepted connection from ${formatIpv4(socket.remoteAddress >>> 0)}, port ${socket.remotePort}\n`);
      write(
        `[  5] local ${formatIpv4(socket.localAddress >>> 0)} port ${port} connected to ${formatIpv4(socket.remoteAddress >>> 0)} port ${socket.remotePort}\n`,
      );
      const head = new Uint8Array(HEADER);
      let have = 0;
      let bytes = 0;
      let start = host.now();
      let reverse = false;
      socket.onData = (b, off, n) => {
        let at = off;
        let left = n;
        if (have < HEADER) {
          const take = Math.min(left, HEADER - have);
          head.set(b.subarray(at, at + take), have);
          have += take;
          at += take;
          left -= take;
          if (have === HEADER) {
            const dv = new DataView(head.buffer);
            if (dv.getUint32(0) !== MAGIC) {
              write('iperf: error - a client that does not speak vnet iperf connected; closing it\n');
              socket.destroy();
              return;
            }
            reverse = (dv.getUint8(5) & FLAG_REVERSE) !== 0;
            start = host.now();
            if (reverse) sendFor(host, socket, dv.getUint32(8));
          }
        }
        bytes += left;
      };
      socket.onEnd = () => {
        if (!reverse) socket.end();
      };
      socket.onClose = () => {
        const seconds = (host.now() - start) / 1000;
        const count = reverse ? socket.info().bytesAcked : bytes;
        write('[ ID] Interval           Transfer     Bitrate\n');
        write(
          `${intervalLine(5, 0, seconds * 1000, count, undefined, undefined).trimEnd()}                  ${reverse ? 'sender' : 'receiver'}\n`,
        );
        tests++;
        if (once) finish();
        else banner();
      };
    },
  });
  try {
    await abortable(finished, signal, () => {});
  } finally {
    listener.close();
  }
}

/** The sending side of a reverse test: fills the connection for `ms`, then closes it. */
function sendFor(host: IperfHost, socket: TcpSocket, ms: number): void {
  const payload = new Uint8Array(128 * 1024);
  const deadline = host.now() + ms;
  const fill = () => {
    if (host.now() >= deadline) {
      socket.end();
      return;
    }
    while (socket.writable > 0 && socket.write(payload, 0, Math.min(payload.length, socket.writable)) > 0) {}
  };
  socket.onDrain = fill;
  fill();
  setTimeout(() => {
    socket.end();
    host.kick();
  }, ms);
}

/** One report line: `[  5]   0.00-1.00   sec  1.10 GBytes  9.42 Gbits/sec    0   3.01 MBytes`. */
function intervalLine(id: number, fromMs: number, toMs: number, bytes: number, retr: number | undefined, cwnd: number | undefined): string {
  const idText = id < 0 ? '[SUM]' : `[${String(id).padStart(3)}]`;
  const span = `${(fromMs / 1000).toFixed(2).padStart(6)}-${(toMs / 1000).toFixed(2).padEnd(6)}`;
  const secs = Math.max(1e-9, (toMs - fromMs) / 1000);
  let line = `${idText} ${span} sec  ${bytesText(bytes).padStart(11)}  ${rateText((bytes * 8) / secs).padStart(14)}`;
  if (retr !== undefined) line += `  ${String(retr).padStart(4)}`;
  if (cwnd !== undefined) line += `   ${bytesText(cwnd).padStart(10)}`;
  return `${line}\n`;
}

/** iperf3's transfer unit: binary prefixes, three significant figures. */
export function bytesText(n: number): string {
  const units = ['Bytes', 'KBytes', 'MBytes', 'GBytes', 'TBytes'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${sig3(v)} ${units[u]}`;
}

/** iperf3's bitrate unit: decimal prefixes, three significant figures. */
export function rateText(bps: number): string {
  const units = ['bits/sec', 'Kbits/sec', 'Mbits/sec', 'Gbits/sec', 'Tbits/sec'];
  let v = bps;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${sig3(v)} ${units[u]}`;
}

function sig3(v: number): string {
  if (v < 10) return v.toFixed(2);
  if (v < 100) return v.toFixed(1);
  return v.toFixed(0);
}

function iperf3Json(
  o: ClientOptions,
  streams: Stream[],
  intervals: Array<{ start: number; end: number; bytes: number; retransmits: number }>,
  r: IperfResult,
): unknown {
  const sum = (bytes: number, from: number, to: number, retransmits?: number) => ({
    start: from / 1000,
    end: to / 1000,
    seconds: (to - from) / 1000,
    bytes,
    bits_per_second: (bytes * 8) / Math.max(1e-9, (to - from) / 1000),
    ...(retransmits === undefined ? {} : { retransmits }),
  });
  return {
    start: {
      connected: streams.map((s) => ({
        socket: s.id,
        local_host: formatIpv4(s.socket.localAddress >>> 0),
        local_port: s.socket.localPort,
        remote_host: formatIpv4(o.address),
        remote_port: o.port,
      })),
      test_start: { protocol: 'TCP', num_streams: o.streams, blksize: o.length, duration: o.seconds, reverse: o.reverse ? 1 : 0 },
    },
    intervals: intervals.map((i) => ({ sum: sum(i.bytes, i.start, i.end, i.retransmits) })),
    end: {
      sum_sent: sum(r.sent.bytes, 0, r.sent.seconds * 1000, r.sent.retransmits),
      sum_received: sum(r.received.bytes, 0, r.received.seconds * 1000),
    },
  };
}

/** Awaits `p`, or runs `cancel` and rejects with iperf's interrupt message when `signal` aborts. */
async function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined, cancel: () => void): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) {
    cancel();
    throw new TopologyError('interrupted', 'iperf3: interrupt - the client has terminated');
  }
  let onAbort: () => void = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      cancel();
      reject(new TopologyError('interrupted', 'iperf3: interrupt - the client has terminated'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([p, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
