/**
 * Counters in the spirit of /proc/net/snmp (the `Ip:` and `Icmp:` lines, with their names), per
 * interface counters as `ip -s link` shows them, and drops by named reason.
 *
 * Frame conservation, checked by the tests: every frame a port hands the stack ends in exactly
 * one bucket —
 *   frames.received = frames.arp + frames.delivered + frames.forwarded + frames.held + Σ rxDrops
 * where `held` counts fragments still waiting in reassembly (they move to `delivered` or to a
 * drop reason when their datagram completes or times out). What the stack sends and fails to
 * deliver (no route, ARP failure, DF, …) is counted in `txDrops`.
 */

export interface IpStats {
  /** Datagrams received from interfaces (loopback included). */
  InReceives: number;
  /** Malformed headers, bad checksums, TTL expired while forwarding. */
  InHdrErrors: number;
  /** Not for this host (and not forwarded), or a martian source. */
  InAddrErrors: number;
  /** No route to forward with. */
  InNoRoutes: number;
  /** Protocols nothing is registered for. */
  InUnknownProtos: number;
  /** Dropped for lack of resources (reassembly memory, backlog). */
  InDiscards: number;
  /** Datagrams handed to a protocol (ICMP, and UDP/TCP later). */
  InDelivers: number;
  ForwDatagrams: number;
  /** Datagrams this host originated (echo requests and replies, ICMP errors, …). */
  OutRequests: number;
  OutDiscards: number;
  OutNoRoutes: number;
  ReasmTimeout: number;
  /** Fragments received for reassembly. */
  ReasmReqds: number;
  ReasmOKs: number;
  ReasmFails: number;
  /** Datagrams fragmented, fragments made, and datagrams that needed fragmenting but had DF. */
  FragOKs: number;
  FragFails: number;
  FragCreates: number;
}

export interface IcmpStats {
  InMsgs: number;
  InErrors: number;
  InCsumErrors: number;
  InDestUnreachs: number;
  InTimeExcds: number;
  InParmProbs: number;
  InRedirects: number;
  InEchos: number;
  InEchoReps: number;
  OutMsgs: number;
  /** Errors not sent because a rate limit held them back, stack-wide and per destination. */
  OutRateLimitGlobal: number;
  OutRateLimitHost: number;
  OutDestUnreachs: number;
  OutTimeExcds: number;
  /** Redirects sent: a datagram forwarded back out of the interface it came in on (Linux's OutRedirects). */
  OutRedirects: number;
  OutEchos: number;
  OutEchoReps: number;
}

export interface ArpStats {
  InRequests: number;
  InReplies: number;
  OutRequests: number;
  OutReplies: number;
  /** Announcements of the host's own addresses (address added, interface up). */
  OutGratuitous: number;
  /** Neighbours that never answered (INCOMPLETE or PROBE → FAILED). */
  ResolutionFailures: number;
}

/** Linux's `Udp:` line. */
export interface UdpStats {
  /** Datagrams handed to a socket (once per socket for broadcasts). */
  InDatagrams: number;
  /** Unicast datagrams to a port nobody listens on (answered with ICMP port unreachable). */
  NoPorts: number;
  /** Truncated or bad length, bad checksum, or nobody reading the socket. */
  InErrors: number;
  OutDatagrams: number;
  /** Datagrams for a socket without an `onMessage` handler. */
  RcvbufErrors: number;
  /** Datagrams the interface or its port refused. */
  SndbufErrors: number;
  InCsumErrors: number;
  /** Broadcast and multicast datagrams no socket wanted. */
  IgnoredMulti: number;
}

export interface FrameAccounting {
  /** Frames ports delivered to the stack. */
  received: number;
  /** ARP frames processed. */
  arp: number;
  /** IPv4 frames whose datagram reached a protocol. */
  delivered: number;
  /** IPv4 frames routed on to another hop. */
  forwarded: number;
  /** Fragments waiting in reassembly now. */
  held: number;
}

export interface ReassemblyGauge {
  /** Incomplete datagrams and the bytes they hold. */
  datagrams: number;
  bytes: number;
}

export interface StackStats {
  ip: IpStats;
  icmp: IcmpStats;
  arp: ArpStats;
  udp: UdpStats;
  frames: FrameAccounting;
  reassembly: ReassemblyGauge;
  /** Received frames dropped, by reason (see `RxDrop`). */
  rxDrops: Record<string, number>;
  /** Outgoing packets dropped, by reason (see `TxDrop`). */
  txDrops: Record<string, number>;
}

/** Per interface, as `ip -s link` and `ifconfig` count. */
export interface InterfaceStats {
  rxPackets: number;
  rxBytes: number;
  /** Received frames that were malformed. */
  rxErrors: number;
  /** Received frames dropped for any other reason. */
  rxDropped: number;
  /** Broadcast and multicast frames received. */
  rxMulticast: number;
  txPackets: number;
  txBytes: number;
  /** Frames the port refused. */
  txErrors: number;
  /** Frames not sent: no carrier, neighbour failure, queue overflow. */
  txDropped: number;
}

/** Why a received frame was dropped. */
export const RxDrop = {
  /** Too short for its Ethernet, ARP or IPv4 header, or a length field longer than the frame. */
  Truncated: 'truncated',
  /** Not IPv4 or ARP (IPv6 and VLAN tags are not spoken yet). */
  UnknownEthertype: 'unknown-ethertype',
  /** Unicast to another MAC (a switch flooded it here). */
  OtherHost: 'other-host',
  /** The interface is administratively down. */
  InterfaceDown: 'interface-down',
  /** A frame arrived while the stack was busy and the backlog was full. */
  BacklogFull: 'backlog-full',
  ArpUnsupported: 'arp-unsupported',
  /** ARP from a multicast or our own MAC, or for a zero/multicast address. */
  ArpBogus: 'arp-bogus',
  BadVersion: 'bad-version',
  BadHeaderLength: 'bad-header-length',
  BadChecksum: 'bad-checksum',
  MartianSource: 'martian-source',
  MartianDestination: 'martian-destination',
  /** Not addressed to this host, and not forwarded. */
  NotForUs: 'not-for-us',
  /** Multicast to a group this host has not joined. */
  MulticastNotJoined: 'multicast-not-joined',
  TtlExceeded: 'ttl-exceeded',
  NoRoute: 'no-route',
  UnknownProtocol: 'unknown-protocol',
  FragmentMalformed: 'fragment-malformed',
  FragmentDuplicate: 'fragment-duplicate',
  ReasmTimeout: 'reasm-timeout',
  ReasmMemory: 'reasm-memory',
  ReasmOverlap: 'reasm-inconsistent',
  IcmpTruncated: 'icmp-truncated',
  IcmpChecksum: 'icmp-checksum',
  /** A reply or error for an echo identifier (or protocol) nobody listens to. */
  IcmpNoListener: 'icmp-no-listener',
  IcmpEchoBroadcast: 'icmp-echo-broadcast',
  /** ICMP types the stack does not act on (redirect, timestamp, …). */
  IcmpIgnored: 'icmp-ignored',
  /** Forwarding needed fragmentation, but DF is set (fragmentation-needed went back). */
  FragNeeded: 'frag-needed',
  ReasmTooFragmented: 'reasm-too-fragmented',
  /** A protocol handler refused the datagram. */
  ProtocolRejected: 'protocol-rejected',
  /** Dropped (or rejected) by the filter's input chain, a rule or its policy. */
  FilterInput: 'filter-input',
  /** Dropped (or rejected) by the filter's forward chain. */
  FilterForward: 'filter-forward',
  /** An ICMP redirect not from the current gateway for its destination, or naming a gateway off the link. */
  RedirectRejected: 'redirect-rejected',
  /** Shorter than the UDP header, or a UDP length field beyond the datagram or below 8. */
  UdpTruncated: 'udp-truncated',
  UdpChecksum: 'udp-checksum',
  /** Unicast to a UDP port nobody listens on (ICMP port unreachable went back). */
  UdpNoPort: 'udp-no-port',
  /** A broadcast or multicast UDP datagram no socket wanted. */
  UdpIgnoredMulti: 'udp-ignored-multi',
  /** For a UDP socket with no `onMessage` handler. */
  UdpRcvbuf: 'udp-rcvbuf',
} as const;

/** Why an outgoing packet was dropped. */
export const TxDrop = {
  NoRoute: 'no-route',
  /** Too big for the egress MTU with DF set. */
  FragNeeded: 'frag-needed',
  /** The neighbour never answered ARP. */
  ArpFailed: 'arp-failed',
  /** The per-neighbour queue awaiting resolution overflowed (the oldest is dropped). */
  ArpQueueFull: 'arp-queue-full',
  /** The interface went down, or its carrier did, while packets waited. */
  InterfaceDown: 'interface-down',
  NoCarrier: 'no-carrier',
  /** The port refused the frame (it counts why in its own stats). */
  PortRefused: 'port-refused',
  /** The entry was deleted or flushed by the user while packets waited. */
  NeighborFlushed: 'neigh-flushed',
  /** The neighbour table of the interface is full of entries in use. */
  NeighborTableFull: 'neigh-table-full',
  /** The loopback backlog was full. */
  LoopbackFull: 'loopback-full',
  /** Dropped (or rejected) by the filter's output chain. */
  FilterOutput: 'filter-output',
} as const;

export function newStackStats(): StackStats {
  return {
    ip: {
      InReceives: 0,
      InHdrErrors: 0,
      InAddrErrors: 0,
      InNoRoutes: 0,
      InUnknownProtos: 0,
      InDiscards: 0,
      InDelivers: 0,
      ForwDatagrams: 0,
      OutRequests: 0,
      OutDiscards: 0,
      OutNoRoutes: 0,
      ReasmTimeout: 0,
      ReasmReqds: 0,
      ReasmOKs: 0,
      ReasmFails: 0,
      FragOKs: 0,
      FragFails: 0,
      FragCreates: 0,
    },
    icmp: {
      InMsgs: 0,
      InErrors: 0,
      InCsumErrors: 0,
      InDestUnreachs: 0,
      InTimeExcds: 0,
      InParmProbs: 0,
      InRedirects: 0,
      InEchos: 0,
      InEchoReps: 0,
      OutMsgs: 0,
      OutRateLimitGlobal: 0,
      OutRateLimitHost: 0,
      OutDestUnreachs: 0,
      OutTimeExcds: 0,
      OutRedirects: 0,
      OutEchos: 0,
      OutEchoReps: 0,
    },
    arp: { InRequests: 0, InReplies: 0, OutRequests: 0, OutReplies: 0, OutGratuitous: 0, ResolutionFailures: 0 },
    udp: {
      InDatagrams: 0,
      NoPorts: 0,
      InErrors: 0,
      OutDatagrams: 0,
      RcvbufErrors: 0,
      SndbufErrors: 0,
      InCsumErrors: 0,
      IgnoredMulti: 0,
    },
    frames: { received: 0, arp: 0, delivered: 0, forwarded: 0, held: 0 },
    reassembly: { datagrams: 0, bytes: 0 },
    rxDrops: {},
    txDrops: {},
  };
}

export function newInterfaceStats(): InterfaceStats {
  return {
    rxPackets: 0,
    rxBytes: 0,
    rxErrors: 0,
    rxDropped: 0,
    rxMulticast: 0,
    txPackets: 0,
    txBytes: 0,
    txErrors: 0,
    txDropped: 0,
  };
}

export function count(drops: Record<string, number>, reason: string, n = 1): void {
  drops[reason] = (drops[reason] ?? 0) + n;
}

export function sum(drops: Record<string, number>): number {
  let n = 0;
  for (const k in drops) n += drops[k];
  return n;
}
