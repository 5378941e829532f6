/**
 * `Stack`: one host's IPv4 stack in user space — interfaces over vnet Ports, ARP, routing,
 * IPv4 with fragmentation and reassembly, ICMP, UDP sockets, and forwarding when asked to be a router.
 *
 * Like smoltcp, it never reads a clock and starts no timer: the owner calls `poll(now)` (in
 * milliseconds) and asks `pollAt()` when to call again. Frames arrive through the ports'
 * `onFrame`; sends happen during the calls that cause them. So a stack is inert until used,
 * runs the same in a worker or in a test, and `close()` leaves nothing behind.
 */
import { Icmpv4Type, IPV4_HEADER_LEN, IpProtocol, type Ipv4Address, type Ipv4Packet, isMulticastIpv4, type Mac } from '@vnet/frame';
import type { Port } from '@vnet/link';
import { checkInt, cidrOf, ipv4Of, macOf } from './address.js';
import { ArpTable } from './arp-table.js';
import { copyBytes } from './bytes.js';
import { Core, live } from './core.js';
import { NetstackError } from './errors.js';
import type { FilterTable } from './filter/table.js';
import type { EchoHandler, EchoSubscription } from './icmp/echo.js';
import type { PingRequest } from './icmp/icmp.js';
import { IfAddress, type Interface } from './iface/interface.js';
import type { RouteTable } from './iface/route-table.js';
import { PAYLOAD_AT } from './layout.js';
import type { StackOptions } from './options.js';
import type { IpSendOptions, ProtocolHandler, SendStatus } from './protocol.js';
import { type InterfaceInfo, interfaceInfo } from './readout.js';
import { type StackStats, TxDrop } from './stats.js';
import { TcpLayer } from './tcp/tcp.js';
import type { UdpSockets } from './udp/socket.js';

export interface InterfaceConfig {
  /** Mininet style: `h1-eth0`. */
  name: string;
  /** The device the interface sends and receives through; the stack takes its `onFrame` and `onCarrier`. */
  port: Port;
  mac: Mac | string;
  /** 68 to 65535; default 1500. */
  mtu?: number;
  /** Administratively up from the start (default), as Mininet leaves its hosts' interfaces. */
  up?: boolean;
  /** Skip transport checksums on send and trust them on receive (virtual NICs that both declare it). */
  checksumOffload?: boolean;
}

export interface PingOptions {
  /** ICMP identifier, 0–65535: replies and errors go to the `onEcho` listener of this id. */
  id: number;
  /** ICMP sequence number, 0–65535. */
  seq: number;
  /** Data bytes after the 8-byte ICMP header (ping's `-s`); default 56. */
  size?: number;
  /** Default: the stack's default TTL (64). */
  ttl?: number;
  /** The IP TOS byte (ping's `-Q`); default 0. */
  tos?: number;
  /** Set DF and never fragment (ping's `-M do`). */
  df?: boolean;
  /** Source address (ping's `-I ADDR`); default: selected by route. */
  src?: Ipv4Address | string;
}

export class Stack {
  /** The routing table: `routes.add({ dst: 'default', via: '10.0.0.254' })`, `list()`, `lookup(addr)`. */
  readonly routes: RouteTable;
  /** The ARP cache: `arp.add(ip, mac)`, `arp.entries()`. */
  readonly arp: ArpTable;
  /** The packet filter, nftables-like: `filter.add('input', { protocol: 'tcp', dport: 22, verdict: 'drop' })`, `filter.list()`. */
  readonly filter: FilterTable;
  /** UDP sockets: `udp.bind({ port, address })`, `udp.sockets()` (like `ss -u -a`). */
  readonly udp: UdpSockets;
  /** TCP: `tcp.listen({ port, onConnection })`, `tcp.connect({ address, port })`, `tcp.connections()`, `tcp.stats`. */
  readonly tcp: TcpLayer;
  private readonly core: Core;
  private readonly ping_: PingRequest = { id: 0, seq: 0, size: 56, ttl: 64, tos: 0, df: false, src: 0 };

  constructor(opts: StackOptions = {}) {
    this.core = new Core(opts);
    this.routes = this.core.routes;
    this.arp = new ArpTable(this.core);
    this.filter = this.core.filter;
    this.udp = this.core.udp;
    this.core.lo.addresses.push(new IfAddress(cidrOf('127.0.0.1/8', 'loopback')));
    this.tcp = new TcpLayer(this.core, opts.tcp);
    this.core.protocols[IpProtocol.TCP] = this.tcp;
    this.core.timers.push(this.tcp);
  }

  get hostname(): string {
    return this.core.hostname;
  }

  /** The time of the last `poll`, in milliseconds. */
  get now(): number {
    return this.core.now;
  }

  /** `net.ipv4.ip_forward`: forward datagrams between interfaces, as a router. */
  get forwarding(): boolean {
    return this.core.forwarding;
  }
  set forwarding(on: boolean) {
    this.core.forwarding = on;
  }

  /** `net.ipv4.conf.all.accept_redirects`: follow ICMP redirects; by default true unless forwarding, as on Linux. */
  get acceptRedirects(): boolean {
    return this.core.acceptsRedirects;
  }
  set acceptRedirects(on: boolean) {
    this.core.acceptRedirects = on;
  }

  /** `net.ipv4.conf.all.send_redirects`: when forwarding, redirect senders to a better gateway on their link (default true). */
  get sendRedirects(): boolean {
    return this.core.sendRedirects;
  }
  set sendRedirects(on: boolean) {
    this.core.sendRedirects = on;
  }

  /** Live counters (`/proc/net/snmp` style, frame accounting, drops by reason). Read, don't write. */
  get stats(): StackStats {
    return this.core.stats;
  }

  // ---- interfaces and addresses ----

  /** Attaches a port as an interface; the stack becomes the port's `onFrame` and follows its carrier. */
  addInterface(cfg: InterfaceConfig): void {
    const core = live(this.core);
    const name = cfg.name;
    if (typeof name !== 'string' || !/^[^\s/]{1,64}$/.test(name)) {
      throw new NetstackError('bad-value', `interface name "${name}" must be 1-64 characters without spaces or '/'`);
    }
    if (core.interfaces.some((i) => i.name === name)) {
      throw new NetstackError('interface-exists', `an interface named "${name}" exists; pick another name or remove it first`);
    }
    if (core.interfaces.some((i) => i.port === cfg.port)) {
      throw new NetstackError('interface-exists', `port ${cfg.port.name} is already attached to this stack`);
    }
    const mac = macOf(cfg.mac, `interface ${name}`);
    const mtu = checkInt(cfg.mtu ?? 1500, 68, 65535, `MTU of ${name}`);
    const iface = core.newInterface(name, cfg.port, mac, mtu, cfg.up ?? true);
    iface.checksumOffload = cfg.checksumOffload ?? false;
    cfg.port.onFrame = (bytes, offset, length) => core.receive(iface, bytes, offset, length);
    cfg.port.onCarrier = (up) => this.carrierChanged(iface, up);
  }

  /** Detaches an interface: its routes, neighbours and addresses go, and its port is released. */
  removeInterface(name: string): void {
    const core = live(this.core);
    const iface = this.iface(name);
    if (iface.loopback) throw new NetstackError('bad-value', 'the loopback interface cannot be removed');
    core.neighbors.flush(iface, TxDrop.InterfaceDown);
    iface.neighbors.clear();
    core.routes.removeInterface(iface);
    core.interfaces.splice(core.interfaces.indexOf(iface), 1);
    release(iface);
  }

  /** `ip link set dev NAME up|down`. Coming up announces the addresses by gratuitous ARP. */
  setInterfaceUp(name: string, up: boolean): void {
    const core = live(this.core);
    const iface = this.iface(name);
    if (iface.adminUp === up) return;
    iface.adminUp = up;
    core.begin();
    try {
      if (up) this.announce(iface);
      else core.neighbors.flush(iface, TxDrop.InterfaceDown);
    } finally {
      core.end();
    }
  }

  /** `ethtool -K NAME tx on rx on`: checksum offload of an interface (see `InterfaceConfig`). */
  setChecksumOffload(name: string, on: boolean): void {
    live(this.core);
    this.iface(name).checksumOffload = on;
  }

  /** `ip link set dev NAME mtu N`. */
  setMtu(name: string, mtu: number): void {
    live(this.core);
    this.iface(name).mtu = checkInt(mtu, 68, 65536, `MTU of ${name}`);
  }

  /** `ip addr add 10.0.0.1/8 dev NAME`: also adds the connected route and announces the address. */
  addAddress(ifname: string, cidr: string): void {
    const core = live(this.core);
    const iface = this.iface(ifname);
    const c = cidrOf(cidr, `address for ${ifname}`);
    const a = c.address;
    if (a === 0 || a === 0xffff_ffff || isMulticastIpv4(a)) {
      throw new NetstackError('bad-address', `${cidr} cannot be an interface address; give a unicast one like 10.0.0.1/8`);
    }
    if (iface.hasAddress(a)) throw new NetstackError('address-exists', `${ifname} already has ${c.toString()}`);
    const added = new IfAddress(c);
    iface.addresses.push(added);
    core.routes.addConnected(iface, added);
    if (!iface.loopback && iface.running) {
      core.begin();
      try {
        core.arp.announce(iface, a);
      } finally {
        core.end();
      }
    }
  }

  /** `ip addr del 10.0.0.1/8 dev NAME`: also removes its connected route. */
  removeAddress(ifname: string, cidr: string): void {
    const core = live(this.core);
    const iface = this.iface(ifname);
    const c = cidrOf(cidr, `address for ${ifname}`);
    const withLength = cidr.includes('/');
    const i = iface.addresses.findIndex((x) => x.address === c.address && (!withLength || x.length === c.length));
    if (i < 0) throw new NetstackError('no-such-address', `${ifname} has no address ${cidr}; see interfaces()`);
    const [gone] = iface.addresses.splice(i, 1);
    core.routes.removeConnected(iface, gone);
  }

  /** Every interface, as `ip addr` / `ifconfig -a` show them. */
  interfaces(): InterfaceInfo[] {
    return this.core.interfaces.map(interfaceInfo);
  }

  interface(name: string): InterfaceInfo {
    return interfaceInfo(this.iface(name));
  }

  // ---- ICMP echo ----

  /**
   * Sends one ICMP echo request. Replies and errors about it go to the `onEcho` listener of
   * `opts.id`. Network conditions are results (`no-route`, `queued`, …), not exceptions.
   */
  ping(dst: Ipv4Address | string, opts: PingOptions): SendStatus {
    const core = live(this.core);
    const to = ipv4Of(dst, 'ping destination');
    const r = this.ping_;
    r.id = checkInt(opts.id, 0, 0xffff, 'ping id');
    r.seq = checkInt(opts.seq, 0, 0xffff, 'ping sequence');
    r.size = checkInt(opts.size ?? 56, 0, 65507, 'ping size');
    r.ttl = checkInt(opts.ttl ?? core.defaultTtl, 1, 255, 'ping TTL');
    r.tos = checkInt(opts.tos ?? 0, 0, 255, 'ping TOS');
    r.df = opts.df ?? false;
    r.src = opts.src === undefined ? 0 : ipv4Of(opts.src, 'ping source') | 0;
    core.begin();
    try {
      return core.icmp.ping(to | 0, r);
    } finally {
      core.end();
    }
  }

  /** Listens for echo replies and errors about echo requests with identifier `id`. */
  onEcho(id: number, handler: EchoHandler): EchoSubscription {
    return live(this.core).echo.subscribe(checkInt(id, 0, 0xffff, 'echo id'), handler);
  }

  // ---- hooks for transports (UDP and TCP come here) ----

  /** Hands datagrams of IP protocol `protocol` to `handler`; returns a subscription to remove it. */
  registerProtocol(protocol: number, handler: ProtocolHandler): { close(): void } {
    const core = live(this.core);
    checkInt(protocol, 0, 255, 'IP protocol');
    if (protocol === IpProtocol.ICMP || core.protocols[protocol] !== undefined) {
      throw new NetstackError('in-use', `IP protocol ${protocol} already has a handler`);
    }
    core.protocols[protocol] = handler;
    return {
      close: () => {
        if (core.protocols[protocol] === handler) core.protocols[protocol] = undefined;
      },
    };
  }

  /** Sends `payload[offset, offset + length)` as one IPv4 datagram (fragmented if it must be). */
  sendIp(opts: IpSendOptions, payload: Uint8Array, offset = 0, length = payload.length - offset): SendStatus {
    const core = live(this.core);
    checkInt(length, 0, 0xffff - IPV4_HEADER_LEN, 'IP payload length');
    checkInt(opts.protocol, 0, 255, 'IP protocol');
    const ttl = checkInt(opts.ttl ?? core.defaultTtl, 1, 255, 'TTL');
    const tos = checkInt(opts.tos ?? 0, 0, 255, 'TOS');
    core.begin();
    try {
      const buf = core.txFor(IPV4_HEADER_LEN + length);
      copyBytes(payload, offset, buf, PAYLOAD_AT, length);
      return core.tx.sendBuilt(
        ipv4Of(opts.dst, 'destination') | 0,
        ipv4Of(opts.src ?? 0, 'source') | 0,
        opts.protocol,
        ttl,
        tos,
        opts.df ?? false,
        length,
      );
    } finally {
      core.end();
    }
  }

  /**
   * Sends ICMP destination unreachable (`code`: port unreachable for a UDP datagram nobody
   * listens to) about a received datagram, from inside a `ProtocolHandler.input` call.
   */
  sendUnreachable(ip: Ipv4Packet, code: number): void {
    const core = live(this.core);
    checkInt(code, 0, 15, 'ICMP unreachable code');
    core.icmp.error(ip.bytes, ip.offset, ip.totalLen, Icmpv4Type.DestUnreachable, code, 0);
  }

  // ---- time ----

  /** Runs the timers due at `now` (ms, never going back): ARP retries and ageing, reassembly timeouts. */
  poll(now: number): void {
    if (this.core.closed) return;
    if (!Number.isFinite(now)) throw new NetstackError('bad-value', `poll needs a finite time in milliseconds, not ${now}`);
    this.core.poll(now);
  }

  /** When `poll` must next be called (ms), or undefined when nothing is pending. May be early, never late. */
  pollAt(): number | undefined {
    return this.core.closed ? undefined : this.core.pollAt();
  }

  /** Releases the ports and drops all state. Idempotent; any later call but `poll` throws `closed`. */
  close(): void {
    const core = this.core;
    if (core.closed) return;
    for (const i of core.interfaces) {
      for (const n of i.neighbors.values()) n.queue = [];
      i.neighbors.clear();
      release(i);
    }
    core.reassembly.clear();
    core.echo.clear();
    this.tcp.close();
    core.udp.close();
    core.protocols.fill(undefined);
    core.close();
  }

  private carrierChanged(iface: Interface, up: boolean): void {
    const core = this.core;
    if (core.closed) return;
    core.begin();
    try {
      if (!up) core.neighbors.flush(iface, TxDrop.NoCarrier);
      else if (iface.adminUp) this.announce(iface);
    } finally {
      core.end();
    }
  }

  private announce(iface: Interface): void {
    if (iface.loopback || !iface.running) return;
    for (const c of iface.addresses) this.core.arp.announce(iface, c.address);
  }

  private iface(name: string): Interface {
    return this.core.interfaceByName(name);
  }
}

function release(i: Interface): void {
  const port = i.port;
  if (port === undefined) return;
  port.onFrame = ignore;
  port.onCarrier = undefined;
}

function ignore(): void {}
