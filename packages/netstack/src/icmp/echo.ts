/**
 * ICMP echo listeners by identifier: what a ping tool registers to hear its replies and the
 * errors routers and hosts report about its requests (enough for iputils-style lines such as
 * "From 10.0.0.1 icmp_seq=1 Destination Host Unreachable").
 *
 * One event object is reused for every report, so hearing replies allocates nothing; a
 * handler that keeps data must copy the fields it needs.
 */
import type { Ipv4Address } from '@vnet/frame';
import { NetstackError } from '../errors.js';
import { RxDrop } from '../stats.js';

export type EchoEventKind = 'reply' | 'unreachable' | 'time-exceeded';

/** A reply or an error about one echo request. Valid only during the handler call. */
export interface EchoEvent {
  kind: EchoEventKind;
  id: number;
  seq: number;
  /** Who answered: the echoing host, or the host or router that reports the error. */
  from: Ipv4Address;
  /** ICMP bytes received (header and data; ping prints it as "64 bytes from …"). */
  bytes: number;
  /** Reply: the TTL it arrived with; 0 for errors. */
  ttl: number;
  /**
   * Reply: milliseconds from the request to the reply, both read from the times given to
   * `poll` (the request carries its send time in its first 8 data bytes, as iputils does);
   * undefined when the data was shorter than 8 bytes.
   */
  rtt: number | undefined;
  /** The ICMP code of an error (`Icmpv4Unreachable`, `Icmpv4TimeExceeded`); 0 for replies. */
  code: number;
  /** Fragmentation needed: the next-hop MTU; else 0. */
  mtu: number;
}

export type EchoHandler = (event: EchoEvent) => void;

export interface EchoSubscription {
  readonly id: number;
  /** Stops listening; the identifier can then be registered again. */
  close(): void;
}

export class EchoRegistry {
  private readonly handlers = new Map<number, EchoHandler>();
  private readonly event: EchoEvent = { kind: 'reply', id: 0, seq: 0, from: 0, bytes: 0, ttl: 0, rtt: undefined, code: 0, mtu: 0 };

  subscribe(id: number, handler: EchoHandler): EchoSubscription {
    if (this.handlers.has(id)) {
      throw new NetstackError('in-use', `ICMP echo id ${id} already has a listener; close it first or use another id`);
    }
    this.handlers.set(id, handler);
    const handlers = this.handlers;
    return {
      id,
      close() {
        if (handlers.get(id) === handler) handlers.delete(id);
      },
    };
  }

  /** Reports to the listener of `id`; returns a drop reason when there is none. */
  report(
    kind: EchoEventKind,
    id: number,
    seq: number,
    from: Ipv4Address,
    bytes: number,
    ttl: number,
    rtt: number | undefined,
    code: number,
    mtu: number,
  ): string | undefined {
    const handler = this.handlers.get(id);
    if (handler === undefined) return RxDrop.IcmpNoListener;
    const e = this.event;
    e.kind = kind;
    e.id = id;
    e.seq = seq;
    e.from = from >>> 0; // int32 inside the stack, uint32 outside
    e.bytes = bytes;
    e.ttl = ttl;
    e.rtt = rtt;
    e.code = code;
    e.mtu = mtu;
    handler(e);
    return undefined;
  }

  clear(): void {
    this.handlers.clear();
  }
}
