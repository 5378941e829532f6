/**
 * UDP sockets as `stack.udp.bind()` makes them, shaped like a BSD datagram socket: bound to a
 * port (and maybe an address) from birth, optionally connected to one peer, sending with `send`
 * and hearing datagrams through `onMessage` and ICMP errors through `onError`.
 *
 * Receiving allocates nothing: `onMessage` gets a view of the stack's buffer, valid during the
 * call only, and the source as numbers; a handler that keeps data copies it. Sending copies the
 * payload once, into the datagram built in place in the stack's send buffer.
 */
import { formatIpv4, type Ipv4Address } from '@vnet/frame';
import { checkInt, ipv4Of } from '../address.js';
import { NetstackError } from '../errors.js';
import type { SendStatus } from '../protocol.js';
import type { UdpLayer } from './udp.js';

/** Largest UDP payload over IPv4: 65535 − 20 (IP header) − 8 (UDP header). */
export const UDP_MAX_PAYLOAD = 65507;

/**
 * A datagram for the socket: its payload is `bytes[offset, offset + length)`, valid only during
 * the call. `srcAddr` is the sender's IPv4 address as a uint32 (`formatIpv4` prints it).
 */
export type UdpMessageHandler = (bytes: Uint8Array, offset: number, length: number, srcAddr: Ipv4Address, srcPort: number) => void;

/** The errno Linux would set for an ICMP error (its `icmp_err_convert` table). */
export type UdpErrno =
  | 'ECONNREFUSED'
  | 'ENETUNREACH'
  | 'EHOSTUNREACH'
  | 'ENOPROTOOPT'
  | 'EMSGSIZE'
  | 'EOPNOTSUPP'
  | 'EHOSTDOWN'
  | 'ENONET'
  | 'EPROTO';

/**
 * An ICMP error (`type`/`code`, e.g. 3/3 port unreachable) from `from` about a datagram this
 * socket sent to `address:port`; `mtu` is the next-hop MTU of fragmentation-needed, else 0.
 */
export type UdpErrorHandler = (
  type: number,
  code: number,
  errno: UdpErrno,
  address: Ipv4Address,
  port: number,
  from: Ipv4Address,
  mtu: number,
) => void;

export interface UdpBindOptions {
  /** 1–65535; 0 or absent picks an ephemeral port from 32768–60999 (Linux's `ip_local_port_range`). */
  port?: number;
  /** One of the host's addresses, a broadcast or a multicast one; absent or `0.0.0.0`: any. */
  address?: Ipv4Address | string;
  /** `SO_REUSEADDR`: share the port with other sockets that set it too. */
  reuseAddr?: boolean;
  /** `SO_BROADCAST`: allow sending to broadcast addresses. */
  broadcast?: boolean;
  /**
   * `IP_RECVERR`: hear every ICMP error about the datagrams sent. Without it, as on Linux, only a
   * connected socket hears errors, and only hard ones (port unreachable: `ECONNREFUSED`, …).
   */
  recvErr?: boolean;
  /** `IP_TTL`; default: the stack's default TTL (64). */
  ttl?: number;
  /** `IP_TOS`; default 0. */
  tos?: number;
}

/** One line of `ss -u -a`. */
export interface UdpSocketInfo {
  /** `ESTAB` when connected, else `UNCONN`. */
  state: 'UNCONN' | 'ESTAB';
  /** `0.0.0.0` when bound to any address. */
  localAddress: string;
  localPort: number;
  remoteAddress?: string;
  remotePort?: number;
}

/** What `stack.udp` offers. */
export interface UdpSockets {
  /** Opens a socket bound to a port (ephemeral when none is given) and an address (any when none). */
  bind(opts?: UdpBindOptions): UdpSocket;
  /** The open sockets by port, as `ss -u -a` lists them. */
  sockets(): UdpSocketInfo[];
}

export class UdpSocket {
  /** Datagrams for this socket. Without a handler they are dropped, counted as `RcvbufErrors`. */
  onMessage: UdpMessageHandler | undefined = undefined;
  /** ICMP errors about what this socket sent (see `UdpBindOptions.recvErr` for which ones). */
  onError: UdpErrorHandler | undefined = undefined;
  /** `SO_BROADCAST`. */
  broadcast: boolean;
  /** `IP_RECVERR`. */
  recvErr: boolean;

  /** @internal The local port. */
  readonly port: number;
  /** @internal The address datagrams must be sent to (int32), 0 for any. */
  local32: number;
  /** @internal The source address of datagrams sent (int32), 0 to select one by route. */
  src32: number;
  /** @internal The connected peer (int32) and port; port 0 when not connected. */
  remote32 = 0;
  /** @internal */
  rport = 0;
  /** @internal */
  dead = false;
  /** @internal */
  readonly reuseAddr: boolean;
  /** @internal The address given to bind (int32; 0 = any), to return to on disconnect. */
  readonly bound32: number;
  private ttl_: number;
  private tos_: number;

  /** @internal Sockets come from `stack.udp.bind()`. */
  constructor(
    private readonly layer: UdpLayer,
    port: number,
    bound32: number,
    src32: number,
    opts: UdpBindOptions,
    defaultTtl: number,
  ) {
    this.port = port;
    this.bound32 = bound32;
    this.local32 = bound32;
    this.src32 = src32;
    this.reuseAddr = opts.reuseAddr ?? false;
    this.broadcast = opts.broadcast ?? false;
    this.recvErr = opts.recvErr ?? false;
    this.ttl_ = checkInt(opts.ttl ?? defaultTtl, 1, 255, 'UDP socket TTL');
    this.tos_ = checkInt(opts.tos ?? 0, 0, 255, 'UDP socket TOS');
  }

  get localPort(): number {
    return this.port;
  }

  /** The address the socket is bound to (`0.0.0.0` for any; a connect may fill it in, as on Linux). */
  get localAddress(): string {
    return formatIpv4(this.local32 >>> 0);
  }

  /** The connected peer's address, or undefined. */
  get remoteAddress(): string | undefined {
    return this.rport === 0 ? undefined : formatIpv4(this.remote32 >>> 0);
  }

  get remotePort(): number | undefined {
    return this.rport === 0 ? undefined : this.rport;
  }

  get connected(): boolean {
    return this.rport !== 0;
  }

  get closed(): boolean {
    return this.dead;
  }

  get ttl(): number {
    return this.ttl_;
  }
  set ttl(v: number) {
    this.ttl_ = checkInt(v, 1, 255, 'UDP socket TTL');
  }

  get tos(): number {
    return this.tos_;
  }
  set tos(v: number) {
    this.tos_ = checkInt(v, 0, 255, 'UDP socket TOS');
  }

  /**
   * Sends `data[offset, offset + length)` as one datagram to `address:port`, or to the connected
   * peer when both are omitted. Returns what the IP layer made of it (`sent`, `queued` for ARP,
   * `local`, `no-route`, `dropped`); datagrams over the MTU are fragmented.
   */
  send(data: Uint8Array, port?: number, address?: Ipv4Address | string, offset = 0, length?: number): SendStatus {
    this.open();
    if (!(data instanceof Uint8Array)) throw new NetstackError('bad-value', 'UDP data must be a Uint8Array');
    const off = checkInt(offset, 0, data.length, 'UDP data offset');
    const len = length === undefined ? data.length - off : checkInt(length, 0, data.length - off, 'UDP data length');
    if (len > UDP_MAX_PAYLOAD) {
      throw new NetstackError('bad-value', `a UDP datagram holds at most ${UDP_MAX_PAYLOAD} bytes, not ${len} (EMSGSIZE)`);
    }
    let dst: number;
    let dport: number;
    if (port === undefined && address === undefined) {
      if (this.rport === 0) {
        throw new NetstackError('bad-value', 'this socket is not connected: give a port and address, or connect() first (EDESTADDRREQ)');
      }
      dst = this.remote32;
      dport = this.rport;
    } else {
      dport = checkInt(port as number, 1, 0xffff, 'UDP destination port');
      dst = destination(address);
    }
    return this.layer.send(this, data, off, len, dst, dport);
  }

  /**
   * Sets the default destination and hears only from it (`connect(2)`). Picks the source address
   * by route when the socket is bound to any; throws `network-unreachable` with no route.
   */
  connect(port: number, address: Ipv4Address | string): void {
    this.open();
    const p = checkInt(port, 1, 0xffff, 'UDP destination port');
    this.layer.connect(this, destination(address), p);
  }

  /** Forgets the peer (`connect` with `AF_UNSPEC`); an address chosen by `connect` is released. */
  disconnect(): void {
    this.open();
    this.layer.disconnect(this);
  }

  /** Releases the port. Idempotent; the socket cannot be used afterwards. */
  close(): void {
    if (this.dead) return;
    this.layer.release(this);
  }

  /** `ss -u` style. */
  info(): UdpSocketInfo {
    const i: UdpSocketInfo = { state: this.rport === 0 ? 'UNCONN' : 'ESTAB', localAddress: this.localAddress, localPort: this.port };
    if (this.rport !== 0) {
      i.remoteAddress = formatIpv4(this.remote32 >>> 0);
      i.remotePort = this.rport;
    }
    return i;
  }

  private open(): void {
    if (this.dead) {
      throw new NetstackError('closed', `UDP socket ${this.localAddress}:${this.port} was closed (or its stack was); bind a new one`);
    }
  }
}

/** A destination address as int32; 0.0.0.0 is refused. */
function destination(address: Ipv4Address | string | undefined): number {
  if (address === undefined) throw new NetstackError('bad-address', 'a UDP destination needs an address and a port');
  const a = ipv4Of(address, 'UDP destination') | 0;
  if (a === 0) throw new NetstackError('bad-address', '0.0.0.0 is not a destination; send to 127.0.0.1 for this host');
  return a;
}
