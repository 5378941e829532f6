/**
 * @vnet/frame — every frame vnet moves, as bytes and as meaning.
 *
 * - Views (`EthernetFrame`, `Ipv4Packet`, `TcpSegment`, …) read and write fields straight in a
 *   `Uint8Array`, returning numbers (a MAC is a 48-bit integer, IPv4 a 32-bit one). `checked()`
 *   validates untrusted bytes once; after that no accessor can fail. `reset()` re-points a view,
 *   so one view serves a whole burst without allocating.
 * - Codecs (`Ethernet`, `Ipv4`, `Tcp`, `Dns`, …) turn bytes into a plain Repr and back.
 * - `build(ethernet(…), ipv4(…), udp(…), payload(…))` composes a frame, filling in lengths,
 *   type fields and checksums.
 * - `dissect(bytes)` names every field as Wireshark does and summarises the frame as tcpdump does.
 * - Checksums (RFC 1071/1624), addresses, flow keys, pcap and pcapng.
 *
 * Every error is a `FrameError` with a code, the layer and the byte offset. Nothing here uses
 * Node built-ins: the package runs in browsers too.
 */

export * from './address/cidr.js';
export * from './address/ipv4.js';
export * from './address/ipv6.js';
export * from './address/mac.js';
export * from './builder.js';
export { fromHex, i32, setU16, setU32, setU48, toHex, u16, u24, u32, u48 } from './bytes.js';
export * from './checksum.js';
export * from './codec.js';
export * from './dissect/index.js';
export * from './errors.js';
export * from './flow-key.js';
export * from './pcap/pcap.js';
export * from './pcap/pcapng.js';
export * from './pcap/reader.js';
export * from './proto/arp.js';
export * from './proto/dhcp.js';
export * from './proto/dns.js';
export * from './proto/ethernet.js';
export * from './proto/icmpv4.js';
export * from './proto/icmpv6.js';
export * from './proto/ipv4.js';
export * from './proto/ipv6.js';
export * from './proto/lacp.js';
export * from './proto/lldp.js';
export * from './proto/stp.js';
export * from './proto/tcp.js';
export * from './proto/udp.js';
export * from './proto/vlan.js';
export * from './proto/vxlan.js';
