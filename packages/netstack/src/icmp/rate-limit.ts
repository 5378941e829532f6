/**
 * ICMP error rate limiting, as Linux does it: a stack-wide token bucket (`icmp_msgs_per_sec`
 * with `icmp_msgs_burst`) and one per destination (`icmp_ratelimit`: one error per interval,
 * bursts of six). Both must have a token; a refusal is counted as OutRateLimitGlobal or
 * OutRateLimitHost. Errors to the host itself are never limited (Linux exempts loopback).
 *
 * Tokens are refilled from the time given to `poll`, so the limiter needs no timer.
 */
import type { Ipv4Address } from '@vnet/frame';
import type { IcmpOptions } from '../options.js';
import type { IcmpStats } from '../stats.js';

interface PeerBucket {
  /** Milliseconds of credit, capped at burst × interval (Linux's xrlim tokens). */
  credit: number;
  at: number;
}

/** Destinations remembered at once; beyond it the oldest is forgotten (it starts with a full bucket). */
const MAX_PEERS = 4096;

export class IcmpRateLimiter {
  private tokens: number;
  private at = Number.NaN;
  private readonly peers = new Map<number, PeerBucket>();

  constructor(
    private readonly opts: IcmpOptions,
    private readonly stats: IcmpStats,
  ) {
    this.tokens = opts.msgsBurst;
  }

  /** May an error go to `dst` at `now`? Takes a token from both buckets when it may. */
  allow(dst: Ipv4Address, now: number): boolean {
    const o = this.opts;
    if (!Number.isNaN(this.at) && now > this.at) {
      this.tokens = Math.min(o.msgsBurst, this.tokens + ((now - this.at) * o.msgsPerSec) / 1000);
    }
    this.at = Number.isNaN(this.at) ? now : Math.max(this.at, now);
    if (this.tokens < 1) {
      this.stats.OutRateLimitGlobal++;
      return false;
    }
    const cap = o.ratelimitBurst * o.ratelimitMs;
    let peer = this.peers.get(dst | 0);
    if (peer === undefined) {
      if (this.peers.size >= MAX_PEERS) this.peers.delete(this.peers.keys().next().value!);
      peer = { credit: cap, at: now };
      this.peers.set(dst | 0, peer);
    } else if (now > peer.at) {
      peer.credit = Math.min(cap, peer.credit + (now - peer.at));
      peer.at = now;
    }
    if (peer.credit < o.ratelimitMs) {
      this.stats.OutRateLimitHost++;
      return false;
    }
    peer.credit -= o.ratelimitMs;
    this.tokens -= 1;
    return true;
  }
}
