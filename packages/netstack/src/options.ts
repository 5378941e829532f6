/**
 * The stack's tunables, named and defaulted after the Linux sysctls they mirror, so a lab
 * behaves like the hosts it stands for. Times are in milliseconds of the clock given to `poll`.
 */

import type { TcpOptions } from './tcp/tcp.js';

export interface NeighborOptions {
  /** `base_reachable_time_ms`: how long a confirmed entry stays REACHABLE (each draws 0.5–1.5×). */
  reachableMs: number;
  /** `retrans_time_ms`: the interval between ARP probes. */
  retransMs: number;
  /** `mcast_probes`: broadcast requests while INCOMPLETE before the entry FAILS. */
  probes: number;
  /** `ucast_probes`: unicast requests in PROBE before the entry FAILS. */
  unicastProbes: number;
  /** `delay_first_probe_time`: a STALE entry in use waits this long in DELAY before probing. */
  delayMs: number;
  /** `unres_qlen`: packets held per neighbour awaiting resolution; the oldest is dropped beyond it. */
  queueLen: number;
  /** Bytes held per neighbour awaiting resolution (`unres_qlen_bytes`, kept small here). */
  queueBytes: number;
  /** `gc_thresh3`: the most entries per interface; FAILED and STALE ones are evicted first. */
  maxEntries: number;
}

export interface ReassemblyOptions {
  /** `ipfrag_time`: a datagram not complete after this long is dropped. */
  timeoutMs: number;
  /** `ipfrag_high_thresh`: bytes all incomplete datagrams may hold together. */
  maxBytes: number;
  /** Holes one datagram may have at once (a bound against hostile fragment patterns). */
  maxHoles: number;
}

export interface IcmpOptions {
  /** `icmp_ratelimit`: per destination, one error per this many ms… */
  ratelimitMs: number;
  /** …with bursts of this many (Linux's XRLIM_BURST_FACTOR). */
  ratelimitBurst: number;
  /** `icmp_msgs_per_sec`: errors per second from the whole stack… */
  msgsPerSec: number;
  /** …with bursts of this many (`icmp_msgs_burst`). */
  msgsBurst: number;
  /** `icmp_echo_ignore_broadcasts`. */
  echoIgnoreBroadcasts: boolean;
  /** How long a host route learned from an ICMP redirect is kept (Linux's `route.gc_timeout`, 300 s). */
  redirectTimeoutMs: number;
}

export interface StackOptions {
  /** Shown by the shell tools of a host; defaults to `localhost`. */
  hostname?: string;
  /** A source of numbers in [0, 1), for jittered timers and IP identifications; seed it for repeatable runs. */
  random?: () => number;
  /** `net.ipv4.ip_forward`: route between interfaces. Also settable later as `stack.forwarding`. */
  forwarding?: boolean;
  /** `ip_default_ttl`. */
  defaultTtl?: number;
  /**
   * `conf.all.accept_redirects`: follow ICMP redirects from the current gateway by adding a
   * cached host route. Default: true for a host, false while forwarding (Linux's defaults).
   */
  acceptRedirects?: boolean;
  /** `conf.all.send_redirects`: when forwarding, redirect a sender on the same link to a better gateway. Default true. */
  sendRedirects?: boolean;
  neighbor?: Partial<NeighborOptions>;
  reassembly?: Partial<ReassemblyOptions>;
  icmp?: Partial<IcmpOptions>;
  /** TCP defaults: buffers, congestion control, TIME_WAIT length, checksum offload. */
  tcp?: TcpOptions;
}

export const DEFAULT_NEIGHBOR: NeighborOptions = {
  reachableMs: 30_000,
  retransMs: 1_000,
  probes: 3,
  unicastProbes: 3,
  delayMs: 5_000,
  queueLen: 101,
  queueBytes: 64 * 1024,
  maxEntries: 1024,
};

export const DEFAULT_REASSEMBLY: ReassemblyOptions = {
  timeoutMs: 30_000,
  maxBytes: 4 * 1024 * 1024,
  maxHoles: 64,
};

export const DEFAULT_ICMP: IcmpOptions = {
  ratelimitMs: 1_000,
  ratelimitBurst: 6,
  msgsPerSec: 1_000,
  msgsBurst: 50,
  echoIgnoreBroadcasts: true,
  redirectTimeoutMs: 300_000,
};

export const DEFAULT_TTL = 64;
