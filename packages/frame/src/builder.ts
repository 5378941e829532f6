/**
 * Frames from layers, the way scapy stacks them:
 *
 *   build(ethernet({ src: '00:00:00:00:00:01' }), ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }),
 *         udp({ srcPort: 1234, dstPort: 53 }), payload('hello'))
 *
 * Fields a layer leaves out are filled from its neighbours: EtherTypes and IP protocol numbers
 * from the layer inside, lengths from everything inside, checksums over the final bytes.
 * Two passes: headers are written outermost first; leaf messages and checksums innermost
 * first, so an outer checksum (UDP around VXLAN) covers inner bytes already final.
 */
import { type Ipv4Address, toIpv4 } from './address/ipv4.js';
import { type Ipv6Address, toIpv6 } from './address/ipv6.js';
import { MAC_BROADCAST, type Mac, toMac } from './address/mac.js';
import { type ChecksumMode, pseudoHeaderSum4, pseudoHeaderSum6 } from './checksum.js';
import { FrameError } from './errors.js';
import { Arp, ArpOperation, type ArpRepr } from './proto/arp.js';
import { BootpOp, Dhcp, DhcpPort, type DhcpRepr } from './proto/dhcp.js';
import { Dns, DnsPort, type DnsRepr } from './proto/dns.js';
import { ETHERNET_HEADER_LEN, Ethernet, EtherType } from './proto/ethernet.js';
import { Icmpv4, type Icmpv4Repr } from './proto/icmpv4.js';
import { Icmpv6, type Icmpv6Repr } from './proto/icmpv6.js';
import { IPV4_HEADER_LEN, IpProtocol, Ipv4 } from './proto/ipv4.js';
import {
  IPV6_HEADER_LEN,
  Ipv6,
  Ipv6DestOptions,
  Ipv6Fragment,
  type Ipv6FragmentRepr,
  Ipv6HopByHop,
  type Ipv6Option,
  Ipv6Routing,
  type Ipv6RoutingRepr,
  ipv6PadOptions,
} from './proto/ipv6.js';
import { Lacp, type LacpRepr } from './proto/lacp.js';
import { Lldp, type LldpRepr } from './proto/lldp.js';
import { LLC_UI, Llc, type LlcRepr, LlcSap, Stp, type StpRepr } from './proto/stp.js';
import { TCP_HEADER_LEN, Tcp, type TcpOption, tcpOptionsLen } from './proto/tcp.js';
import { fillTransportChecksum, UDP_HEADER_LEN, Udp } from './proto/udp.js';
import { VLAN_TAG_LEN, Vlan } from './proto/vlan.js';
import { VXLAN_HEADER_LEN, VXLAN_PORT, Vxlan, type VxlanRepr } from './proto/vxlan.js';
import { utf8Encode } from './text.js';

/** What an IP layer offers the layers inside it: their pseudo-header sum. */
export interface IpContext {
  pseudoSum(protocol: number, length: number): number;
}

/** One layer of a frame under construction. */
export interface LayerSpec {
  readonly name: string;
  /** The EtherType an enclosing Ethernet or VLAN layer announces for this layer. */
  readonly ethertype?: number;
  /** The protocol number an enclosing IP layer announces for this layer. */
  readonly ipProtocol?: number;
  /** The source and destination ports an enclosing UDP layer uses when none are given. */
  readonly udpPorts?: readonly [src: number, dst: number];
  /** Set by LLC: an enclosing Ethernet layer writes the 802.3 length instead of an EtherType. */
  readonly lengthInType?: boolean;
  /** Bytes this layer writes itself (a header, or a whole leaf message). */
  headerLen(): number;
  /** Pass 1, outermost first: write the header. `innerLen` counts every byte after it. */
  write?(buf: Uint8Array, offset: number, innerLen: number, inner: LayerSpec | undefined): void;
  /** Pass 2, innermost first: leaf messages and checksums. `ip` is the nearest enclosing IP layer. */
  finish?(buf: Uint8Array, offset: number, innerLen: number, ip: IpContext | undefined): void;
  /** Set by IP layers: the context they give to the layers inside. */
  ipContext?(buf: Uint8Array, offset: number): IpContext;
}

/** Builds a frame into a new buffer of exactly the right size. */
export function build(...layers: LayerSpec[]): Uint8Array {
  let len = 0;
  for (const l of layers) len += l.headerLen();
  const buf = new Uint8Array(len);
  buildInto(buf, 0, ...layers);
  return buf;
}

/** Builds a frame into `buf` at `offset`; returns its length. */
export function buildInto(buf: Uint8Array, offset: number, ...layers: LayerSpec[]): number {
  const n = layers.length;
  const offsets = new Array<number>(n + 1);
  offsets[0] = offset;
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i] + layers[i].headerLen();
  const end = offsets[n];
  if (end > buf.length)
    throw new FrameError('bad-length', 'build', offset, `the frame needs ${end - offset} bytes; the buffer has ${buf.length - offset}`);
  for (let i = 0; i < n; i++) layers[i].write?.(buf, offsets[i], end - offsets[i + 1], layers[i + 1]);
  const ips = new Array<IpContext | undefined>(n);
  let ip: IpContext | undefined;
  for (let i = 0; i < n; i++) {
    ips[i] = ip;
    ip = layers[i].ipContext?.(buf, offsets[i]) ?? ip;
  }
  for (let i = n - 1; i >= 0; i--) layers[i].finish?.(buf, offsets[i], end - offsets[i + 1], ips[i]);
  return end - offset;
}

export interface EthernetOptions {
  dst?: Mac | string;
  src?: Mac | string;
  /** Defaults to the EtherType of the layer inside. */
  ethertype?: number;
}

function innerEthertype(inner: LayerSpec | undefined, given: number | undefined, layer: string, innerLen: number): number {
  const t = given ?? (inner?.lengthInType ? innerLen : inner?.ethertype);
  if (t === undefined) throw new FrameError('bad-value', layer, 0, `no EtherType: give one, or put a layer inside that has one`);
  return t;
}

export function ethernet(o: EthernetOptions = {}): LayerSpec {
  const dst = toMac(o.dst ?? MAC_BROADCAST);
  const src = toMac(o.src ?? 0);
  return {
    name: 'eth',
    headerLen: () => ETHERNET_HEADER_LEN,
    write(buf, offset, innerLen, inner) {
      Ethernet.emit({ dst, src, ethertype: innerEthertype(inner, o.ethertype, 'eth', innerLen) }, buf, offset);
    },
  };
}

export interface VlanOptions {
  vid: number;
  pcp?: number;
  dei?: boolean;
  /** The tag's TPID: 0x8100 for 802.1Q (default), 0x88a8 for an 802.1ad service tag. */
  tpid?: number;
  ethertype?: number;
}

export function vlan(o: VlanOptions): LayerSpec {
  return {
    name: 'vlan',
    ethertype: o.tpid ?? EtherType.VLAN,
    headerLen: () => VLAN_TAG_LEN,
    write(buf, offset, innerLen, inner) {
      Vlan.emit(
        { vid: o.vid, pcp: o.pcp ?? 0, dei: o.dei ?? false, ethertype: innerEthertype(inner, o.ethertype, 'vlan', innerLen) },
        buf,
        offset,
      );
    },
  };
}

export interface Ipv4Options {
  src?: Ipv4Address | string;
  dst?: Ipv4Address | string;
  ttl?: number;
  /** Defaults to the protocol of the layer inside. */
  protocol?: number;
  dscp?: number;
  ecn?: number;
  identification?: number;
  dontFragment?: boolean;
  moreFragments?: boolean;
  fragmentOffset?: number;
  options?: Uint8Array;
}

export function ipv4(o: Ipv4Options = {}): LayerSpec {
  const src = toIpv4(o.src ?? 0);
  const dst = toIpv4(o.dst ?? 0);
  const options = o.options ?? new Uint8Array(0);
  let protocol = 0;
  return {
    name: 'ip',
    ethertype: EtherType.IPv4,
    headerLen: () => IPV4_HEADER_LEN + options.length,
    write(buf, offset, innerLen, inner) {
      protocol = o.protocol ?? inner?.ipProtocol ?? 0xfd; // 253: reserved for experimentation
      Ipv4.emit(
        {
          dscp: o.dscp ?? 0,
          ecn: o.ecn ?? 0,
          identification: o.identification ?? 1,
          reservedFlag: false,
          dontFragment: o.dontFragment ?? false,
          moreFragments: o.moreFragments ?? false,
          fragmentOffset: o.fragmentOffset ?? 0,
          ttl: o.ttl ?? 64,
          protocol,
          src,
          dst,
          options,
          payloadLen: innerLen,
        },
        buf,
        offset,
      );
    },
    ipContext: () => ({ pseudoSum: (proto, length) => pseudoHeaderSum4(src, dst, proto, length) }),
  };
}

export interface Ipv6Options {
  src?: Ipv6Address | string;
  dst?: Ipv6Address | string;
  hopLimit?: number;
  /** Defaults to the protocol of the layer inside (an extension header or the upper layer). */
  nextHeader?: number;
  trafficClass?: number;
  flowLabel?: number;
}

export function ipv6(o: Ipv6Options = {}): LayerSpec {
  const src = toIpv6(o.src ?? 0n);
  const dst = toIpv6(o.dst ?? 0n);
  return {
    name: 'ipv6',
    ethertype: EtherType.IPv6,
    headerLen: () => IPV6_HEADER_LEN,
    write(buf, offset, innerLen, inner) {
      const nextHeader = o.nextHeader ?? inner?.ipProtocol ?? IpProtocol.IPv6NoNext;
      Ipv6.emit(
        {
          trafficClass: o.trafficClass ?? 0,
          flowLabel: o.flowLabel ?? 0,
          nextHeader,
          hopLimit: o.hopLimit ?? 64,
          src,
          dst,
          payloadLen: innerLen,
        },
        buf,
        offset,
      );
    },
    ipContext: (buf, offset) => ({ pseudoSum: (proto, length) => pseudoHeaderSum6(buf, offset + 8, offset + 24, proto, length) }),
  };
}

/** A header whose codec writes it whole in pass 1, with its next-header field taken from the layer inside. */
function extensionHeader<R extends { nextHeader: number }>(
  name: string,
  ipProtocol: number,
  codec: { bufferLen(r: R): number; emit(r: R, buf: Uint8Array, offset: number): number },
  repr: Omit<R, 'nextHeader'> & { nextHeader?: number },
): LayerSpec {
  const full = { ...repr, nextHeader: repr.nextHeader ?? 0 } as R;
  return {
    name,
    ipProtocol,
    headerLen: () => codec.bufferLen(full),
    write(buf, offset, _innerLen, inner) {
      codec.emit({ ...full, nextHeader: repr.nextHeader ?? inner?.ipProtocol ?? IpProtocol.IPv6NoNext }, buf, offset);
    },
  };
}

/** An IPv6 hop-by-hop options header; options are padded to a multiple of 8 bytes. */
export function ipv6HopByHop(options: Ipv6Option[] = [], nextHeader?: number): LayerSpec {
  return extensionHeader('ipv6.hopopts', IpProtocol.HopByHop, Ipv6HopByHop, { options: ipv6PadOptions(options), nextHeader });
}

export function ipv6DestOptions(options: Ipv6Option[] = [], nextHeader?: number): LayerSpec {
  return extensionHeader('ipv6.dstopts', IpProtocol.IPv6Opts, Ipv6DestOptions, { options: ipv6PadOptions(options), nextHeader });
}

export function ipv6Routing(repr: Omit<Ipv6RoutingRepr, 'nextHeader'> & { nextHeader?: number }): LayerSpec {
  return extensionHeader('ipv6.routing', IpProtocol.IPv6Route, Ipv6Routing, repr);
}

export function ipv6Fragment(repr: Partial<Ipv6FragmentRepr> = {}): LayerSpec {
  return extensionHeader('ipv6.fraghdr', IpProtocol.IPv6Frag, Ipv6Fragment, {
    fragmentOffset: repr.fragmentOffset ?? 0,
    moreFragments: repr.moreFragments ?? false,
    identification: repr.identification ?? 0,
    nextHeader: repr.nextHeader,
  });
}

export interface ArpOptions {
  /** `ArpOperation`; defaults to a request. */
  operation?: number;
  senderMac?: Mac | string;
  senderIp?: Ipv4Address | string;
  targetMac?: Mac | string;
  targetIp?: Ipv4Address | string;
  /** 0x0806 (default) or 0x8035 for RARP. */
  ethertype?: number;
}

export function arp(o: ArpOptions = {}): LayerSpec {
  const repr: ArpRepr = {
    operation: o.operation ?? ArpOperation.Request,
    senderMac: toMac(o.senderMac ?? 0),
    senderIp: toIpv4(o.senderIp ?? 0),
    targetMac: toMac(o.targetMac ?? 0),
    targetIp: toIpv4(o.targetIp ?? 0),
  };
  return leaf('arp', Arp, repr, { ethertype: o.ethertype ?? EtherType.ARP });
}

/** An ICMPv4 message (echo, unreachable, …); its checksum covers the whole message. */
export function icmpv4(repr: Icmpv4Repr, checksum: ChecksumMode = 'compute'): LayerSpec {
  return {
    name: 'icmp',
    ipProtocol: IpProtocol.ICMP,
    headerLen: () => Icmpv4.bufferLen(repr),
    finish(buf, offset) {
      Icmpv4.emit(repr, buf, offset, checksum);
    },
  };
}

/** An ICMPv6 message (echo, errors, NDP); its checksum covers the IPv6 pseudo-header. */
export function icmpv6(repr: Icmpv6Repr, checksum: ChecksumMode = 'compute'): LayerSpec {
  const len = Icmpv6.bufferLen(repr);
  return {
    name: 'icmpv6',
    ipProtocol: IpProtocol.ICMPv6,
    headerLen: () => len,
    finish(buf, offset, _innerLen, ip) {
      if (!ip) throw new FrameError('bad-value', 'icmpv6', 0, 'ICMPv6 needs an IPv6 layer around it for its checksum');
      Icmpv6.emit(repr, buf, offset, { pseudoSum: ip.pseudoSum(IpProtocol.ICMPv6, len), mode: checksum });
    },
  };
}

/** A VXLAN header (RFC 7348); put an Ethernet frame inside and UDP around it. */
export function vxlan(repr: VxlanRepr): LayerSpec {
  return {
    name: 'vxlan',
    udpPorts: [VXLAN_PORT, VXLAN_PORT],
    headerLen: () => VXLAN_HEADER_LEN,
    write(buf, offset) {
      Vxlan.emit(repr, buf, offset);
    },
  };
}

/** An 802.2 LLC header; the Ethernet layer around it writes the 802.3 length. Defaults to STP's SAPs. */
export function llc(repr: Partial<LlcRepr> = {}): LayerSpec {
  const full: LlcRepr = { dsap: repr.dsap ?? LlcSap.STP, ssap: repr.ssap ?? LlcSap.STP, control: repr.control ?? LLC_UI };
  return {
    name: 'llc',
    lengthInType: true,
    headerLen: () => Llc.bufferLen(full),
    write(buf, offset) {
      Llc.emit(full, buf, offset);
    },
  };
}

/** An STP or RSTP BPDU; put it inside `llc()`. */
export function stp(repr: StpRepr): LayerSpec {
  return leaf('stp', Stp, repr, {});
}

export function lldp(repr: LldpRepr): LayerSpec {
  return leaf('lldp', Lldp, repr, { ethertype: EtherType.LLDP });
}

export function lacp(repr: LacpRepr): LayerSpec {
  return leaf('lacp', Lacp, repr, { ethertype: EtherType.Slow });
}

/** A DNS message; fields left out are those of an empty query. UDP around it defaults to port 53. */
export function dns(repr: Partial<DnsRepr>): LayerSpec {
  const full: DnsRepr = {
    id: 0,
    response: false,
    opcode: 0,
    authoritative: false,
    truncated: false,
    recursionDesired: true,
    recursionAvailable: false,
    z: false,
    authenticData: false,
    checkingDisabled: false,
    rcode: 0,
    questions: [],
    answers: [],
    authorities: [],
    additionals: [],
    ...repr,
  };
  return leaf('dns', Dns, full, { udpPorts: [DnsPort.DNS, DnsPort.DNS] });
}

/** A DHCP (BOOTP) message from an Ethernet client; UDP around it defaults to 68 → 67, or 67 → 68 for a reply. */
export function dhcp(repr: Partial<DhcpRepr>): LayerSpec {
  const full: DhcpRepr = {
    op: BootpOp.Request,
    htype: 1,
    hlen: 6,
    hops: 0,
    xid: 0,
    secs: 0,
    flags: 0,
    ciaddr: 0,
    yiaddr: 0,
    siaddr: 0,
    giaddr: 0,
    chaddr: 0,
    sname: '',
    file: '',
    options: [],
    ...repr,
  };
  const toServer = full.op === BootpOp.Request;
  const ports = toServer ? ([DhcpPort.Client, DhcpPort.Server] as const) : ([DhcpPort.Server, DhcpPort.Client] as const);
  return leaf('dhcp', Dhcp, full, { udpPorts: ports });
}

/** A whole message from its codec, written in pass 2 (after any layer inside it, before the checksums around it). */
function leaf<R>(
  name: string,
  codec: { bufferLen(r: R): number; emit(r: R, buf: Uint8Array, offset: number): number },
  repr: R,
  tags: Pick<LayerSpec, 'ethertype' | 'ipProtocol' | 'udpPorts'>,
): LayerSpec {
  return {
    name,
    ...tags,
    headerLen: () => codec.bufferLen(repr),
    finish(buf, offset) {
      codec.emit(repr, buf, offset);
    },
  };
}

function transportChecksum(
  buf: Uint8Array,
  start: number,
  end: number,
  field: number,
  protocol: number,
  ip: IpContext | undefined,
  mode: ChecksumMode,
  zeroAs: number,
): void {
  // Without an IP layer around it there is no pseudo-header: leave the checksum zero.
  if (!ip) return;
  fillTransportChecksum(buf, start, end, field, { pseudoSum: ip.pseudoSum(protocol, end - start), mode }, zeroAs);
}

export interface UdpOptions {
  srcPort?: number;
  dstPort?: number;
  checksum?: ChecksumMode;
}

export function udp(o: UdpOptions = {}): LayerSpec {
  return {
    name: 'udp',
    ipProtocol: IpProtocol.UDP,
    headerLen: () => UDP_HEADER_LEN,
    write(buf, offset, innerLen, inner) {
      const [src, dst] = inner?.udpPorts ?? [0, 0];
      Udp.emit({ srcPort: o.srcPort ?? src, dstPort: o.dstPort ?? dst, payloadLen: innerLen }, buf, offset);
    },
    finish(buf, offset, innerLen, ip) {
      transportChecksum(buf, offset, offset + UDP_HEADER_LEN + innerLen, offset + 6, IpProtocol.UDP, ip, o.checksum ?? 'compute', 0xffff);
    },
  };
}

export interface TcpOptions {
  srcPort?: number;
  dstPort?: number;
  seq?: number;
  ack?: number;
  /** TcpFlags bits; defaults to SYN. */
  flags?: number;
  window?: number;
  urgentPointer?: number;
  options?: TcpOption[];
  checksum?: ChecksumMode;
}

export function tcp(o: TcpOptions = {}): LayerSpec {
  const options = o.options ?? [];
  const hl = TCP_HEADER_LEN + tcpOptionsLen(options);
  return {
    name: 'tcp',
    ipProtocol: IpProtocol.TCP,
    headerLen: () => hl,
    write(buf, offset, innerLen) {
      Tcp.emit(
        {
          srcPort: o.srcPort ?? 20,
          dstPort: o.dstPort ?? 80,
          seq: o.seq ?? 0,
          ack: o.ack ?? 0,
          flags: o.flags ?? 0x002,
          window: o.window ?? 8192,
          urgentPointer: o.urgentPointer ?? 0,
          options,
          payloadLen: innerLen,
        },
        buf,
        offset,
      );
    },
    finish(buf, offset, innerLen, ip) {
      transportChecksum(buf, offset, offset + hl + innerLen, offset + 16, IpProtocol.TCP, ip, o.checksum ?? 'compute', 0);
    },
  };
}

/** Raw bytes (or UTF-8 text) as the innermost layer. */
export function payload(data: Uint8Array | string): LayerSpec {
  const bytes = typeof data === 'string' ? utf8Encode(data) : data;
  return {
    name: 'payload',
    headerLen: () => bytes.length,
    write(buf, offset) {
      buf.set(bytes, offset);
    },
  };
}
