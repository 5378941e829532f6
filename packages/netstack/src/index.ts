/**
 * @vnet/netstack — one host's TCP/IP stack in user space, over vnet Ports.
 *
 * - `Stack`: interfaces (`addInterface`, `addAddress`, `setInterfaceUp`), a loopback `lo`,
 *   `routes` (longest-prefix match, metrics), `arp` (Linux's neighbour states, static entries),
 *   IPv4 with fragmentation and reassembly, forwarding, ICMP with rate-limited errors, and
 *   `ping`/`onEcho` for ping tools.
 * - `stack.udp`: UDP sockets (`bind`, `send`, `connect`, `onMessage`, `onError`), ICMP port
 *   unreachable for ports nobody holds, Linux's `Udp:` counters in `stats.udp`.
 * - `stack.filter`: a stateless nftables-like filter (chains input, forward, output; rules on
 *   interfaces, addresses, protocol, ports, ICMP type; counters; `list()` as `nft list ruleset`).
 *   A forwarding stack sends ICMP redirects, and a host follows them (`acceptRedirects`).
 * - Time is passed in: `poll(now)` runs timers, `pollAt()` says when to come back; the stack
 *   never reads a clock nor starts a timer.
 * - Counters after /proc/net/snmp, per-interface counters, drops by named reason; every
 *   received frame is accounted for.
 * - `registerProtocol` and `sendIp` are where UDP and TCP will plug in.
 */

export { ArpTable, type StaticArpOptions } from './arp-table.js';
export { NetstackError, type NetstackErrorCode } from './errors.js';
export type {
  FilterChainName,
  FilterPolicy,
  FilterPorts,
  FilterProtocol,
  FilterRuleInfo,
  FilterRuleSpec,
  FilterVerdict,
  IcmpTypeName,
  RejectWith,
} from './filter/rule.js';
export type { FilterChainInfo, FilterTable } from './filter/table.js';
export type { EchoEvent, EchoEventKind, EchoHandler, EchoSubscription } from './icmp/echo.js';
export { NeighborState } from './iface/neighbor.js';
export type { NeighborInfo } from './iface/neighbor-cache.js';
export type { RouteInfo, RouteLookup, RouteProto, RouteSelector, RouteSpec, RouteTable } from './iface/route-table.js';
export type { IcmpOptions, NeighborOptions, ReassemblyOptions, StackOptions } from './options.js';
export type { IpSendOptions, ProtocolHandler, SendStatus } from './protocol.js';
export type { AddressInfo, InterfaceInfo } from './readout.js';
export { type InterfaceConfig, type PingOptions, Stack } from './stack.js';
export {
  type ArpStats,
  type FrameAccounting,
  type IcmpStats,
  type InterfaceStats,
  type IpStats,
  type ReassemblyGauge,
  RxDrop,
  type StackStats,
  TxDrop,
  type UdpStats,
} from './stats.js';
export type { CongestionAlgorithm } from './tcp/congestion.js';
export type { TcpInfo, TcpSocket, TcpSocketOptions, TcpState } from './tcp/connection.js';
export type { TcpStats } from './tcp/stats.js';
export type { TcpConnectionInfo, TcpConnectOptions, TcpLayer, TcpListener, TcpListenOptions, TcpOptions } from './tcp/tcp.js';
export {
  UDP_MAX_PAYLOAD,
  type UdpBindOptions,
  type UdpErrno,
  type UdpErrorHandler,
  type UdpMessageHandler,
  UdpSocket,
  type UdpSocketInfo,
  type UdpSockets,
} from './udp/socket.js';
