/**
 * Where upper-layer protocols plug into IPv4: the place UDP and TCP will take. A handler gets
 * each datagram for its protocol number through a reused view, and the ICMP errors that quote
 * one of its datagrams.
 */
import type { Ipv4Address, Ipv4Packet } from '@vnet/frame';

export interface ProtocolHandler {
  /**
   * A datagram for this protocol, reassembled if it was fragmented. `ip` (header and payload)
   * is valid only during the call. Return nothing when it was taken, or a drop reason, which
   * the stack counts. `broadcast` is true for broadcast and multicast destinations.
   */
  input(ip: Ipv4Packet, ifindex: number, broadcast: boolean): string | undefined;
  /**
   * An ICMP error (destination unreachable, time exceeded) from `from` about a datagram this
   * protocol sent. `quote` views the quoted IP header and what follows it, `quoteLen` bytes in
   * all (at least the header and 8 bytes); `mtu` is the next-hop MTU of fragmentation-needed.
   */
  error?(type: number, code: number, from: Ipv4Address, quote: Ipv4Packet, quoteLen: number, mtu: number): void;
}

/** What a send came to. Network conditions are results, not exceptions, as for a datagram socket. */
export type SendStatus =
  /** Handed to the port (every fragment of it). */
  | 'sent'
  /** Waiting for ARP to resolve the next hop. */
  | 'queued'
  /** Delivered to this host over loopback. */
  | 'local'
  /** No route to the destination (`connect: Network is unreachable`). */
  | 'no-route'
  /** Larger than the egress MTU with DF set; an ICMP fragmentation-needed error was delivered locally. */
  | 'too-big'
  /** Refused by the interface or its port (no carrier, queue full), and counted. */
  | 'dropped';

/** How a locally originated datagram is sent. */
export interface IpSendOptions {
  dst: Ipv4Address;
  protocol: number;
  /** Source address; 0 or absent selects one from the route. */
  src?: Ipv4Address;
  ttl?: number;
  tos?: number;
  /** Don't fragment: fail with `too-big` instead. */
  df?: boolean;
}
