/// <reference types="node" />
/**
 * `dgram` for a vnet host: UDP sockets (`udp4` only) over `stack.udp`, with Node's behaviour —
 * `bind` and `connect` answer asynchronously, `send` on an unbound socket binds it to an
 * ephemeral port first, and a connected socket hears ICMP port unreachable as an 'error'
 * (ECONNREFUSED), as Linux reports it on the next receive.
 *
 * Multicast membership calls are accepted and do nothing: the stack delivers to a socket bound
 * to a multicast address without IGMP.
 */
import { EventEmitter } from 'node:events';
import { isIPv4 } from 'node:net';
import { formatIpv4 } from '@vnet/frame';
import { NetstackError } from '../errors.js';
import type { SendStatus } from '../protocol.js';
import type { UdpSocket } from '../udp/socket.js';
import { Handle, type NodeContext } from './context.js';
import { type LookupFunction, lookupIn } from './dns.js';
import { checkPort, type ErrnoError, errnoError, nodeError } from './errors.js';

export type SocketType = 'udp4' | 'udp6';

export interface DgramSocketOptions {
  type: SocketType;
  reuseAddr?: boolean;
  ipv6Only?: boolean;
  recvBufferSize?: number;
  sendBufferSize?: number;
  lookup?: LookupFunction;
  signal?: AbortSignal;
}

export interface BindOptions {
  port?: number;
  address?: string;
  exclusive?: boolean;
}

/** The sender of a 'message'. */
export interface RemoteInfo {
  address: string;
  family: 'IPv4';
  port: number;
  size: number;
}

export interface DgramAddressInfo {
  address: string;
  family: 'IPv4';
  port: number;
}

export type MessageListener = (msg: Buffer, rinfo: RemoteInfo) => void;
export type SendCallback = (error: Error | null, bytes: number) => void;
export type DgramMessage = string | Uint8Array | ReadonlyArray<string | Uint8Array>;

/** What `require('dgram')` returns on a vnet host. */
export interface DgramModule {
  createSocket(type: SocketType | DgramSocketOptions, callback?: MessageListener): DgramSocket;
  Socket: new (type: SocketType | DgramSocketOptions, callback?: MessageListener) => DgramSocket;
}

type BindState = 'unbound' | 'binding' | 'bound';
type ConnectState = 'disconnected' | 'connecting' | 'connected';

/** Node's `ERR_*` errors of dgram. */
function notRunning(): Error {
  return nodeError(Error, 'ERR_SOCKET_DGRAM_NOT_RUNNING', 'Not running');
}

/** A stack error as the errno Linux gives (the stack's messages carry it in parentheses). */
function errnoOfStack(e: NetstackError): string {
  const tagged = /\((E[A-Z]+)\)/.exec(e.message);
  if (tagged) return tagged[1];
  switch (e.code) {
    case 'network-unreachable':
      return 'ENETUNREACH';
    case 'in-use':
      return 'EADDRINUSE';
    case 'no-such-address':
      return 'EADDRNOTAVAIL';
    case 'closed':
      return 'EBADF';
    default:
      return 'EINVAL';
  }
}

/** The errno of a send that did not leave. */
function sendFailure(status: SendStatus): string | undefined {
  if (status === 'no-route') return 'ENETUNREACH';
  if (status === 'too-big') return 'EMSGSIZE';
  return undefined;
}

function toBuffers(msg: DgramMessage): Buffer {
  const one = (m: string | Uint8Array): Buffer => {
    if (typeof m === 'string') return Buffer.from(m);
    if (m instanceof Uint8Array) return Buffer.from(m.buffer, m.byteOffset, m.byteLength);
    throw nodeError(
      TypeError,
      'ERR_INVALID_ARG_TYPE',
      'The "buffer" argument must be of type string or an instance of Buffer, TypedArray, or DataView.',
    );
  };
  if (Array.isArray(msg)) return Buffer.concat((msg as ReadonlyArray<string | Uint8Array>).map(one));
  return one(msg as string | Uint8Array);
}

/** A UDP socket of a vnet host, as Node's `dgram.Socket`. */
export class DgramSocket extends EventEmitter {
  readonly type: SocketType;
  readonly #ctx: NodeContext;
  readonly #handle: Handle;
  readonly #reuseAddr: boolean;
  readonly #lookup: LookupFunction;
  #udp: UdpSocket | undefined;
  #bindState: BindState = 'unbound';
  #connectState: ConnectState = 'disconnected';
  #closed = false;
  /** Calls waiting for the bind to finish. */
  #queue: Array<() => void> | undefined;
  #broadcast = false;
  #ttl: number | undefined;
  #recvBufferSize: number;
  #sendBufferSize: number;

  constructor(ctx: NodeContext, type: SocketType | DgramSocketOptions, listener?: MessageListener) {
    super();
    const o: DgramSocketOptions = typeof type === 'string' ? { type } : type;
    if (o === null || typeof o !== 'object' || (o.type !== 'udp4' && o.type !== 'udp6')) {
      throw nodeError(TypeError, 'ERR_SOCKET_BAD_TYPE', 'Bad socket type specified. Valid types are: udp4, udp6');
    }
    if (o.type === 'udp6') {
      throw nodeError(Error, 'ERR_SOCKET_BAD_TYPE', 'vnet hosts have no IPv6: create a udp4 socket');
    }
    this.type = o.type;
    this.#ctx = ctx;
    this.#handle = new Handle(ctx);
    this.#reuseAddr = o.reuseAddr === true;
    this.#recvBufferSize = o.recvBufferSize ?? 212_992;
    this.#sendBufferSize = o.sendBufferSize ?? 212_992;
    this.#lookup =
      o.lookup ??
      ((name, opts, done) =>
        lookupIn(ctx, name, opts, (err, list) => (err ? done(err, '', 0) : done(null, list[0].address, list[0].family))));
    if (listener !== undefined) this.on('message', listener);
    o.signal?.addEventListener('abort', () => {
      if (!this.#closed) this.close();
    });
  }

  /** Resolves an address (default `0.0.0.0` for bind, `127.0.0.1` for send). */
  #resolve(address: string, done: (err: ErrnoError | null, ip: string) => void): void {
    if (isIPv4(address)) {
      this.#ctx.defer(() => done(null, address));
      return;
    }
    this.#lookup(address, { family: 4 }, (err, ip) => done(err, ip));
  }

  bind(port?: number, address?: string, callback?: () => void): this;
  bind(port?: number, callback?: () => void): this;
  bind(callback?: () => void): this;
  bind(options: BindOptions, callback?: () => void): this;
  bind(...args: unknown[]): this {
    this.#healthCheck();
    if (this.#bindState !== 'unbound') throw nodeError(Error, 'ERR_SOCKET_ALREADY_BOUND', 'Socket is already bound');
    this.#bindState = 'binding';
    const cb = typeof args[args.length - 1] === 'function' ? (args[args.length - 1] as () => void) : undefined;
    let port: unknown = args[0];
    let address: unknown = args[1];
    if (port !== null && typeof port === 'object') {
      const o = port as BindOptions;
      address = o.address;
      port = o.port;
    } else if (typeof port === 'function') {
      port = 0;
      address = undefined;
    }
    if (typeof address === 'function') address = undefined;
    const p = port === undefined || port === null ? 0 : checkPort(port);
    const addr = typeof address === 'string' && address !== '' ? address : '0.0.0.0';
    if (cb !== undefined) {
      const onListening = () => {
        this.removeListener('error', removeListeners);
        cb.call(this);
      };
      const removeListeners = () => {
        this.removeListener('error', removeListeners);
        this.removeListener('listening', onListening);
      };
      this.on('error', removeListeners);
      this.on('listening', onListening);
    }
    this.#resolve(addr, (err, ip) => {
      if (this.#closed) return;
      if (err) {
        this.#bindState = 'unbound';
        this.#queue = undefined;
        this.emit('error', err);
        return;
      }
      let udp: UdpSocket;
      try {
        udp = this.#ctx.stack.udp.bind({ port: p, address: ip, reuseAddr: this.#reuseAddr, broadcast: this.#broadcast, ttl: this.#ttl });
      } catch (e) {
        if (!(e instanceof NetstackError)) throw e;
        this.#bindState = 'unbound';
        this.#queue = undefined;
        this.emit('error', errnoError(errnoOfStack(e), 'bind', { address: ip, port: p }));
        return;
      }
      this.#udp = udp;
      const ctx = this.#ctx;
      udp.onMessage = (bytes, offset, length, src, sport) => {
        const msg = Buffer.copyBytesFrom(bytes, offset, length);
        const rinfo: RemoteInfo = { address: formatIpv4(src >>> 0), family: 'IPv4', port: sport, size: length };
        ctx.defer(() => {
          if (!this.#closed) this.emit('message', msg, rinfo);
        });
      };
      udp.onError = (_type, _code, errno, address, port) => {
        // As Linux without IP_RECVERR: only a connected socket hears, and only hard errors.
        const e = errnoError(errno, 'recvmsg');
        e.address = formatIpv4(address >>> 0);
        e.port = port;
        ctx.defer(() => {
          if (!this.#closed) this.emit('error', e);
        });
      };
      this.#bindState = 'bound';
      this.#handle.open();
      ctx.live.add(this);
      this.emit('listening');
      const queue = this.#queue ?? [];
      this.#queue = undefined;
      for (const fn of queue) fn();
    });
    return this;
  }

  send(msg: DgramMessage, port?: number, address?: string, callback?: SendCallback): void;
  send(msg: DgramMessage, port?: number, callback?: SendCallback): void;
  send(msg: DgramMessage, callback?: SendCallback): void;
  send(msg: string | Uint8Array, offset: number, length: number, port?: number, address?: string, callback?: SendCallback): void;
  send(msg: string | Uint8Array, offset: number, length: number, port?: number, callback?: SendCallback): void;
  send(msg: string | Uint8Array, offset: number, length: number, callback?: SendCallback): void;
  send(...args: unknown[]): void {
    let [buffer, offset, length, port, address, callback] = args;
    const connected = this.#connectState === 'connected';
    let data: Buffer;
    const slice = () => {
      const b = typeof buffer === 'string' ? Buffer.from(buffer) : (buffer as Uint8Array);
      const off = (offset as number) >>> 0;
      const len = (length as number) >>> 0;
      if (!(b instanceof Uint8Array)) return toBuffers(b as DgramMessage);
      if (off > b.byteLength) throw nodeError(RangeError, 'ERR_BUFFER_OUT_OF_BOUNDS', '"offset" is outside of buffer bounds');
      if (off + len > b.byteLength) throw nodeError(RangeError, 'ERR_BUFFER_OUT_OF_BOUNDS', '"length" is outside of buffer bounds');
      return Buffer.from(b.buffer, b.byteOffset + off, len);
    };
    if (!connected) {
      if (address || (port && typeof port !== 'function')) data = slice();
      else {
        callback = port;
        port = offset;
        address = length;
        data = toBuffers(buffer as DgramMessage);
      }
    } else {
      if (typeof length === 'number') {
        data = slice();
        if (typeof port === 'function') {
          callback = port;
          port = undefined;
        }
      } else {
        callback = offset;
        data = toBuffers(buffer as DgramMessage);
        port = undefined;
        address = undefined;
      }
      if (port || address) throw nodeError(Error, 'ERR_SOCKET_DGRAM_IS_CONNECTED', 'Already connected');
    }
    const dport = connected ? 0 : checkPort(port, 'Port', false);
    if (typeof address === 'function') {
      callback = address;
      address = undefined;
    } else if (address !== undefined && address !== null && typeof address !== 'string') {
      throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "address" argument must be of type string');
    }
    const cb = typeof callback === 'function' ? (callback as SendCallback) : undefined;
    this.#healthCheck();
    if (this.#bindState === 'unbound') this.bind({ port: 0 });
    if (this.#bindState !== 'bound') {
      (this.#queue ??= []).push(() => this.#sendResolved(data, dport, address as string | undefined, connected, cb));
      return;
    }
    this.#sendResolved(data, dport, address as string | undefined, connected, cb);
  }

  #sendResolved(data: Buffer, port: number, address: string | undefined, connected: boolean, cb: SendCallback | undefined): void {
    const fail = (e: Error) => {
      if (cb !== undefined) this.#ctx.defer(() => cb(e, 0));
      else this.#ctx.defer(() => this.emit('error', e));
    };
    const go = (ip: string | undefined) => {
      const udp = this.#udp;
      if (udp === undefined || this.#closed) return;
      let status: SendStatus;
      try {
        status = ip === undefined ? udp.send(data) : udp.send(data, port, ip);
      } catch (e) {
        if (!(e instanceof NetstackError)) throw e;
        if (cb !== undefined) fail(errnoError(errnoOfStack(e), 'send', { address: ip ?? address, port }));
        return;
      }
      this.#ctx.activity();
      const failed = sendFailure(status);
      if (failed !== undefined) {
        if (cb !== undefined) fail(errnoError(failed, 'send', { address: ip, port }));
        return;
      }
      if (cb !== undefined) this.#ctx.defer(() => cb(null, data.length));
    };
    if (connected) go(undefined);
    else
      this.#resolve(address || '127.0.0.1', (err, ip) => {
        if (err) fail(err);
        else go(ip);
      });
  }

  connect(port: number, address?: string, callback?: () => void): void;
  connect(port: number, callback: () => void): void;
  connect(port: number, address?: unknown, callback?: unknown): void {
    const p = checkPort(port, 'Port', false);
    let cb = callback as ((err?: Error) => void) | undefined;
    let addr = address;
    if (typeof addr === 'function') {
      cb = addr as (err?: Error) => void;
      addr = '';
    } else if (addr === undefined) addr = '';
    if (typeof addr !== 'string') throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "address" argument must be of type string');
    if (this.#connectState !== 'disconnected') throw nodeError(Error, 'ERR_SOCKET_DGRAM_IS_CONNECTED', 'Already connected');
    this.#connectState = 'connecting';
    const target = addr || '127.0.0.1';
    const doConnect = () => {
      if (cb !== undefined) this.once('connect', cb);
      this.#resolve(target, (err, ip) => {
        const udp = this.#udp;
        if (udp === undefined || this.#closed) return;
        let ex: Error | null = err;
        if (ex === null) {
          try {
            udp.connect(p, ip);
          } catch (e) {
            if (!(e instanceof NetstackError)) throw e;
            ex = errnoError(errnoOfStack(e), 'connect', { address: target, port: p });
          }
        }
        if (ex !== null) {
          this.#connectState = 'disconnected';
          const error = ex;
          process.nextTick(() => {
            if (cb !== undefined) {
              this.removeListener('connect', cb);
              cb(error);
            } else this.emit('error', error);
          });
          return;
        }
        this.#connectState = 'connected';
        process.nextTick(() => this.emit('connect'));
      });
    };
    if (this.#bindState === 'unbound') this.bind({ port: 0 });
    if (this.#bindState !== 'bound') (this.#queue ??= []).push(doConnect);
    else doConnect();
  }

  disconnect(): void {
    this.#healthCheck();
    if (this.#connectState !== 'connected') throw nodeError(Error, 'ERR_SOCKET_DGRAM_NOT_CONNECTED', 'Not connected');
    this.#udp?.disconnect();
    this.#connectState = 'disconnected';
  }

  close(callback?: () => void): this {
    if (typeof callback === 'function') this.on('close', callback);
    if (this.#queue !== undefined && !this.#closed) {
      // Calls wait for the bind: close after them.
      this.#queue.push(() => this.close());
      return this;
    }
    this.#healthCheck();
    this.#closed = true;
    this.#udp?.close();
    this.#udp = undefined;
    this.#handle.closing();
    this.#ctx.live.delete(this);
    process.nextTick(() => {
      this.emit('close');
      this.#handle.close();
    });
    return this;
  }

  address(): DgramAddressInfo {
    this.#healthCheck();
    const udp = this.#udp;
    if (udp === undefined) throw errnoError('EBADF', 'getsockname');
    return { address: udp.localAddress, family: 'IPv4', port: udp.localPort };
  }

  remoteAddress(): DgramAddressInfo {
    this.#healthCheck();
    const udp = this.#udp;
    if (this.#connectState !== 'connected' || udp === undefined || udp.remoteAddress === undefined) {
      throw nodeError(Error, 'ERR_SOCKET_DGRAM_NOT_CONNECTED', 'Not connected');
    }
    return { address: udp.remoteAddress, family: 'IPv4', port: udp.remotePort ?? 0 };
  }

  setBroadcast(flag: boolean): void {
    this.#broadcast = !!flag;
    if (this.#udp !== undefined) this.#udp.broadcast = this.#broadcast;
  }

  setTTL(ttl: number): number {
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > 255) throw errnoError('EINVAL', 'setTTL');
    this.#ttl = ttl;
    if (this.#udp !== undefined) this.#udp.ttl = ttl;
    return ttl;
  }

  setMulticastTTL(ttl: number): number {
    return ttl;
  }

  setMulticastLoopback(flag: boolean): boolean {
    return flag;
  }

  setMulticastInterface(_interfaceAddress: string): void {}

  addMembership(_multicastAddress: string, _multicastInterface?: string): void {}

  dropMembership(_multicastAddress: string, _multicastInterface?: string): void {}

  addSourceSpecificMembership(_sourceAddress: string, _groupAddress: string, _multicastInterface?: string): void {}

  dropSourceSpecificMembership(_sourceAddress: string, _groupAddress: string, _multicastInterface?: string): void {}

  getRecvBufferSize(): number {
    return this.#recvBufferSize;
  }

  getSendBufferSize(): number {
    return this.#sendBufferSize;
  }

  setRecvBufferSize(size: number): void {
    this.#recvBufferSize = size;
  }

  setSendBufferSize(size: number): void {
    this.#sendBufferSize = size;
  }

  getSendQueueSize(): number {
    return 0;
  }

  getSendQueueCount(): number {
    return 0;
  }

  ref(): this {
    this.#handle.ref();
    return this;
  }

  unref(): this {
    this.#handle.unref();
    return this;
  }

  #healthCheck(): void {
    if (this.#closed) throw notRunning();
  }

  /** @internal The program exits. */
  closeNow(): void {
    if (this.#closed) return;
    this.#queue = undefined;
    this.close();
  }
}

/** Builds `dgram` for a context. */
export function createDgram(ctx: NodeContext): DgramModule {
  class VnetDgramSocket extends DgramSocket {
    constructor(type: SocketType | DgramSocketOptions, callback?: MessageListener) {
      super(ctx, type, callback);
    }
  }
  return {
    createSocket: (type, callback) => new VnetDgramSocket(type, callback),
    Socket: VnetDgramSocket,
  };
}
