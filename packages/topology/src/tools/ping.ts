/**
 * `ping`, as iputils prints it: one line per reply or error, then the statistics. It runs on
 * a host's stack with the worker's clock; a reply's round trip is the stack's own measure.
 */
import { formatIpv4, parseIpv4 } from '@vnet/frame';
import type { EchoEvent, Stack } from '@vnet/netstack';
import { numberOption, parseShortOptions, usage } from './args.js';

export interface PingHost {
  stack: Stack;
  /** The clock the stack is polled with (ms). */
  now(): number;
  /** Polls the stack now; the node runtime schedules its next poll. */
  kick(): void;
  /** A fresh ICMP identifier for this host. */
  nextEchoId(): number;
}

interface Reply {
  seq: number;
  rtt: number;
}

const UNREACHABLE: Record<number, string> = {
  0: 'Destination Net Unreachable',
  1: 'Destination Host Unreachable',
  2: 'Destination Protocol Unreachable',
  3: 'Destination Port Unreachable',
  4: 'Frag needed',
  13: 'Packet filtered',
};

/** iputils' precision: three decimals below 1 ms, fewer as the time grows. */
export function formatRtt(ms: number): string {
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

export interface PingSummary {
  transmitted: number;
  received: number;
  errors: number;
  rtts: number[];
}

/** `ping [-c count] [-i interval] [-W timeout] [-s size] [-t ttl] [-q] destination`. */
export async function ping(host: PingHost, args: string[], write: (text: string) => void, signal?: AbortSignal): Promise<PingSummary> {
  const { opts, rest } = parseShortOptions('ping', args, 'ciWstw', 'qn');
  if (rest.length !== 1) throw usage('ping', 'usage: ping [-c count] [-i interval] [-W timeout] [-s size] [-t ttl] [-q] destination');
  let dst: number;
  try {
    dst = parseIpv4(rest[0]);
  } catch {
    throw usage('ping', `${rest[0]}: Name or service not known`);
  }
  // Without -c, ping runs until interrupted (Ctrl-C at the prompt), as iputils does.
  const count = numberOption('ping', opts, 'c', Number.POSITIVE_INFINITY, 1, 1_000_000_000);
  const interval = numberOption('ping', opts, 'i', 1, 0.001, 3600) * 1000;
  const waitMs = numberOption('ping', opts, 'W', 2, 0.001, 3600) * 1000;
  const deadline = opts.has('w') ? numberOption('ping', opts, 'w', 0, 0.001, 86_400) * 1000 : Number.POSITIVE_INFINITY;
  const size = numberOption('ping', opts, 's', 56, 0, 65507);
  const ttl = numberOption('ping', opts, 't', 64, 1, 255);
  const quiet = opts.has('q');
  const target = formatIpv4(dst);
  const id = host.nextEchoId();
  const replies: Reply[] = [];
  const seen = new Set<number>();
  let errors = 0;
  let transmitted = 0;
  const start = host.now();
  // iputils connects its socket before anything else, and gives up at once without a route.
  if (!host.stack.routes.lookup(dst)) {
    write('ping: connect: Network is unreachable\n');
    return { transmitted: 0, received: 0, errors: 0, rtts: [] };
  }
  write(`PING ${target} (${target}) ${size}(${size + 28}) bytes of data.\n`);

  // Set while waiting for the last replies: a reply or error that completes the count ends the wait.
  let lingering: (() => void) | undefined;
  const sub = host.stack.onEcho(id, (e: EchoEvent) => {
    if (e.kind === 'reply') {
      if (seen.has(e.seq)) return;
      seen.add(e.seq);
      const rtt = e.rtt ?? 0;
      replies.push({ seq: e.seq, rtt });
      if (!quiet) write(`${e.bytes} bytes from ${formatIpv4(e.from)}: icmp_seq=${e.seq} ttl=${e.ttl} time=${formatRtt(rtt)} ms\n`);
    } else {
      errors++;
      const what = e.kind === 'time-exceeded' ? 'Time to live exceeded' : (UNREACHABLE[e.code] ?? `Dest Unreachable, Bad Code: ${e.code}`);
      if (!quiet) write(`From ${formatIpv4(e.from)} icmp_seq=${e.seq} ${what}\n`);
    }
    if (replies.length + errors >= transmitted) lingering?.();
  });
  // Waits end early when the command is interrupted.
  const wait = (ms: number, onReply: boolean) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        lingering = undefined;
        resolve();
      };
      const t = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener('abort', done);
      if (onReply) lingering = done;
    });
  try {
    for (let seq = 1; seq <= count && host.now() - start < deadline && !signal?.aborted; seq++) {
      // Poll first: the request carries the stack's current time, from which the reply's round trip is measured.
      host.kick();
      // Sequence numbers are 16 bits on the wire: a long run wraps, as iputils' does.
      host.stack.ping(dst, { id, seq: seq & 0xffff, size, ttl });
      transmitted++;
      host.kick();
      if (seq < count) await wait(interval, false);
    }
    // Wait for the replies still out, as iputils lingers after its last request.
    const lastWait = Math.min(waitMs, deadline - (host.now() - start));
    if (replies.length + errors < transmitted && !signal?.aborted) await wait(lastWait, true);
  } finally {
    sub.close();
  }
  const elapsed = Math.floor(host.now() - start);
  const received = replies.length;
  const loss = transmitted === 0 ? 0 : Math.round((100 * (transmitted - received)) / transmitted);
  let stats = `\n--- ${target} ping statistics ---\n${transmitted} packets transmitted, ${received} received, `;
  if (errors > 0) stats += `+${errors} errors, `;
  stats += `${loss}% packet loss, time ${elapsed}ms\n`;
  if (received > 0) {
    const rtts = replies.map((r) => r.rtt);
    const min = Math.min(...rtts);
    const max = Math.max(...rtts);
    const avg = rtts.reduce((a, b) => a + b, 0) / rtts.length;
    const mdev = Math.sqrt(Math.max(0, rtts.reduce((a, b) => a + b * b, 0) / rtts.length - avg * avg));
    stats += `rtt min/avg/max/mdev = ${min.toFixed(3)}/${avg.toFixed(3)}/${max.toFixed(3)}/${mdev.toFixed(3)} ms\n`;
  }
  write(stats);
  return { transmitted, received, errors, rtts: replies.map((r) => r.rtt) };
}
