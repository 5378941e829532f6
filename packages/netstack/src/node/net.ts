/// <reference types="node" />
/**
 * `net` for a vnet host: `Socket` (a `stream.Duplex` over a `TcpSocket`), `Server` (over a
 * `TcpListener`), `createServer`, `connect`/`createConnection`, and `isIP`.
 *
 * Behaviour follows Node's and the Linux socket underneath it:
 * - Backpressure both ways: a write the TCP send buffer cannot take waits for its `onDrain`;
 *   when the readable side is full (`push` returns false) the TCP socket is paused, so its
 *   receive window closes and the peer stops.
 * - `end()` is a half close (FIN); without `allowHalfOpen` (the default) the socket ends its
 *   side when the peer ended its own, as Node does.
 * - `destroy()` closes as `close(2)` does: a FIN after the data still queued, or a RST when
 *   received data was never read; `resetAndDestroy()` always resets.
 * - Errors carry Node's `code`, `errno` and `syscall` (`connect ECONNREFUSED 10.0.0.2:80`).
 */
import { EventEmitter } from 'node:events';
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { addAbortSignal, Duplex } from 'node:stream';
import { formatIpv4 } from '@vnet/frame';
import { NetstackError } from '../errors.js';
import type { TcpSocket } from '../tcp/connection.js';
import type { TcpListener } from '../tcp/tcp.js';
import { Handle, type NodeContext } from './context.js';
import { type LookupFunction, lookupIn } from './dns.js';
import { checkPort, type ErrnoError, errnoError, nodeError, tcpErrorCode } from './errors.js';

/** `socket.address()`, `server.address()`. */
export interface AddressInfo {
  address: string;
  family: 'IPv4';
  port: number;
}

export interface SocketOptions {
  /** Keep the writable side open when the peer ends (default false: end ours too). */
  allowHalfOpen?: boolean;
  highWaterMark?: number;
  signal?: AbortSignal;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
}

export interface TcpSocketConnectOptions {
  port: number | string;
  /** A name or an IPv4 address; default `localhost`. */
  host?: string;
  /** Must be one of the host's addresses (the stack picks the source address by route). */
  localAddress?: string;
  localPort?: number;
  family?: number;
  lookup?: LookupFunction;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  timeout?: number;
  /** Unix sockets do not exist on a vnet host. */
  path?: string;
}

export type NetConnectOptions = SocketOptions & TcpSocketConnectOptions;

export interface ServerOptions {
  allowHalfOpen?: boolean;
  pauseOnConnect?: boolean;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  highWaterMark?: number;
}

export interface ListenOptions {
  port?: number | string;
  /** An address of this host, a name resolving to one, or absent / `0.0.0.0` / `::` for all. */
  host?: string;
  backlog?: number;
  exclusive?: boolean;
  ipv6Only?: boolean;
  signal?: AbortSignal;
  /** Unix sockets do not exist on a vnet host. */
  path?: string;
}

export type ConnectionListener = (socket: Socket) => void;

/** `net.connect` / `net.createConnection`. */
export interface ConnectFunction {
  (options: NetConnectOptions, connectionListener?: () => void): Socket;
  (port: number | string, host?: string, connectionListener?: () => void): Socket;
  (port: number | string, connectionListener?: () => void): Socket;
}

/** What `require('net')` returns on a vnet host. */
export interface NetModule {
  Socket: new (options?: SocketOptions) => Socket;
  Stream: new (options?: SocketOptions) => Socket;
  Server: new (options?: ServerOptions | ConnectionListener, connectionListener?: ConnectionListener) => Server;
  createServer(options?: ServerOptions | ConnectionListener, connectionListener?: ConnectionListener): Server;
  connect: ConnectFunction;
  createConnection: ConnectFunction;
  isIP(input: string): number;
  isIPv4(input: string): boolean;
  isIPv6(input: string): boolean;
}

const kAccept = Symbol('vnet.accept');

/** Keepalive idle time when `setKeepAlive(true)` gives none: Linux's `tcp_keepalive_time`, 2 hours. */
const DEFAULT_KEEPALIVE_MS = 7_200_000;

const ANY = '0.0.0.0';

/** The bound `Socket` class of each context, so a server's sockets are `instanceof net.Socket`. */
const socketClasses = new WeakMap<NodeContext, new (options?: SocketOptions) => Socket>();

interface PendingWrite {
  chunk: Buffer;
  offset: number;
  cb: (error?: Error | null) => void;
}

function fmt(a: number): string {
  return formatIpv4(a >>> 0);
}

function keepAliveMs(enable: boolean, initialDelay: number | undefined): number {
  if (!enable) return 0;
  // Node passes whole seconds to the kernel; 0 keeps the system default.
  const s = Math.floor((initialDelay ?? 0) / 1000);
  return s > 0 ? s * 1000 : DEFAULT_KEEPALIVE_MS;
}

/**
 * Ends a TCP connection as `close(2)` does: a RST when received data was never read (or when
 * asked), else a FIN after what is queued; data arriving afterwards is answered with a RST.
 */
function closeTcp(tcp: TcpSocket, reset: boolean): void {
  tcp.onConnect = undefined;
  tcp.onEnd = undefined;
  tcp.onDrain = undefined;
  tcp.onClose = undefined;
  if (reset || tcp.state === 'SYN_SENT' || tcp.info().receiveQueue > 0) {
    tcp.onData = undefined;
    tcp.destroy();
    return;
  }
  tcp.onData = () => {
    tcp.onData = undefined;
    queueMicrotask(() => tcp.destroy());
  };
  tcp.resume();
  tcp.end();
}

/** Node's `normalizeArgs` for `connect`. */
function connectArgs(args: unknown[]): [NetConnectOptions, (() => void) | undefined] {
  const last = args[args.length - 1];
  const cb = typeof last === 'function' ? (last as () => void) : undefined;
  const a0 = args[0];
  if (a0 !== null && typeof a0 === 'object') return [a0 as NetConnectOptions, cb];
  if (typeof a0 === 'string' && (a0.trim() === '' || Number.isNaN(Number(a0)))) return [{ path: a0 } as NetConnectOptions, cb];
  const o: NetConnectOptions = { port: a0 as number | string };
  if (typeof args[1] === 'string') o.host = args[1];
  return [o, cb];
}

function unixSocketError(): Error {
  return nodeError(Error, 'ERR_INVALID_ARG_VALUE', 'Unix domain sockets (path) do not exist on a vnet host; give a port and host instead');
}

/** A TCP connection of a vnet host, as Node's `net.Socket`. */
export class Socket extends Duplex {
  /** True between `connect()` and the 'connect' event. */
  connecting = false;
  /** The idle timeout set by `setTimeout`, in ms (undefined when never set). */
  timeout: number | undefined = undefined;
  bytesRead = 0;
  /** The server that accepted this socket (Node's `socket.server`). */
  server: EventEmitter | null = null;

  readonly #ctx: NodeContext;
  readonly #handle: Handle;
  #tcp: TcpSocket | undefined;
  /** The TcpSocket called onClose (or was let go by `_destroy`): no more calls into it. */
  #tcpDone = false;
  /** We paused the TcpSocket because the readable side was full. */
  #paused = false;
  #peerEnded = false;
  #reset = false;
  #dispatched = 0;
  #pending: PendingWrite | undefined;
  #finalCb: ((error?: Error | null) => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #noDelay: boolean | undefined;
  #keepAlive: number | undefined;
  #local: AddressInfo | undefined;
  #peer: AddressInfo | undefined;
  /** Where `connect` went, for error messages. */
  #target: { address: string; port: number } | undefined;

  constructor(ctx: NodeContext, options: SocketOptions = {}) {
    super({
      allowHalfOpen: options.allowHalfOpen ?? false,
      emitClose: false,
      autoDestroy: true,
      decodeStrings: true,
      highWaterMark: options.highWaterMark,
    });
    this.#ctx = ctx;
    this.#handle = new Handle(ctx);
    if (options.noDelay) this.#noDelay = true;
    if (options.keepAlive) this.#keepAlive = keepAliveMs(true, options.keepAliveInitialDelay);
    // As Node: an already aborted signal destroys the socket on the next tick (after connect()).
    const signal = options.signal;
    if (signal !== undefined) {
      if (signal.aborted) process.nextTick(() => addAbortSignal(signal, this));
      else addAbortSignal(signal, this);
    }
  }

  // ---- connecting ----

  connect(options: NetConnectOptions, connectionListener?: () => void): this;
  connect(port: number | string, host?: string, connectionListener?: () => void): this;
  connect(port: number | string, connectionListener?: () => void): this;
  connect(...args: unknown[]): this {
    const [o, cb] = connectArgs(args);
    if (typeof o.path === 'string' && o.path !== '' && o.port === undefined) throw unixSocketError();
    if (this.#tcp !== undefined || this.connecting || this.destroyed) {
      throw nodeError(
        Error,
        'ERR_SOCKET_CONNECTING',
        'this socket is connecting, connected or destroyed; make a new Socket to connect again',
      );
    }
    if (o.port === undefined) throw nodeError(TypeError, 'ERR_MISSING_ARGS', 'The "options" or "port" argument must be specified');
    const port = checkPort(o.port, 'Port');
    const host = o.host || 'localhost';
    if (o.localPort !== undefined) checkPort(o.localPort, 'options.localPort');
    if (cb) this.once('connect', cb);
    if (o.timeout) this.setTimeout(o.timeout);
    if (o.noDelay) this.#noDelay = true;
    if (o.keepAlive) this.#keepAlive = keepAliveMs(true, o.keepAliveInitialDelay);
    this.connecting = true;
    this.#handle.open();
    this.#ctx.live.add(this);
    if (isIPv4(host)) {
      this.#open(host, port, o);
      return this;
    }
    const lookup: LookupFunction =
      o.lookup ??
      ((name, opts, done) =>
        lookupIn(this.#ctx, name, opts, (err, list) => (err ? done(err, '', 0) : done(null, list[0].address, list[0].family))));
    lookup(host, { family: o.family ?? 0, all: false }, (err, address, family) => {
      this.emit('lookup', err, address, family, host);
      if (!this.connecting || this.destroyed) return;
      if (err) this.destroy(err);
      else if (!isIPv4(address)) this.destroy(errnoError('ENETUNREACH', 'connect', { address, port }));
      else this.#open(address, port, o);
    });
    return this;
  }

  /** Opens the TCP connection to an address. */
  #open(address: string, port: number, o: TcpSocketConnectOptions): void {
    const ctx = this.#ctx;
    this.#target = { address, port };
    if (o.localAddress !== undefined && o.localAddress !== ANY && !this.#isLocal(o.localAddress)) {
      this.destroy(errnoError('EADDRNOTAVAIL', 'bind', { address: o.localAddress, port: o.localPort ?? 0 }));
      return;
    }
    if (port === 0) {
      // connect(2) to port 0 is refused, as on Linux.
      ctx.defer(() => this.destroy(errnoError('ECONNREFUSED', 'connect', { address, port })));
      return;
    }
    let tcp: TcpSocket;
    try {
      tcp = ctx.stack.tcp.connect({
        address,
        port,
        localPort: o.localPort === undefined || +o.localPort === 0 ? undefined : +o.localPort,
        noDelay: this.#noDelay,
        keepAlive: this.#keepAlive,
      });
    } catch (e) {
      this.destroy(e instanceof NetstackError ? errnoError(tcpErrorCode(e), 'connect', { address, port }) : (e as Error));
      return;
    }
    ctx.activity();
    this.#attach(tcp);
  }

  #isLocal(address: string): boolean {
    try {
      return isIPv4(address) && this.#ctx.stack.routes.lookup(address)?.type === 'local';
    } catch {
      return false;
    }
  }

  /** Takes a TcpSocket's callbacks. */
  #attach(tcp: TcpSocket): void {
    const ctx = this.#ctx;
    this.#tcp = tcp;
    this.#local = { address: fmt(tcp.localAddress), family: 'IPv4', port: tcp.localPort };
    tcp.onConnect = () => ctx.defer(() => this.#connected());
    tcp.onData = (bytes, offset, length) => {
      const chunk = Buffer.copyBytesFrom(bytes, offset, length);
      ctx.defer(() => this.#data(chunk));
    };
    tcp.onEnd = () => {
      this.#peerEnded = true;
      ctx.defer(() => this.#ended());
    };
    tcp.onDrain = () => ctx.defer(() => this.#flush());
    tcp.onClose = (error) => {
      this.#tcpDone = true;
      ctx.defer(() => this.#tcpClosed(error));
    };
  }

  /** @internal A server's accepted connection. */
  [kAccept](tcp: TcpSocket, noDelay: boolean, keepAlive: number): void {
    this.#attach(tcp);
    this.#peer = { address: fmt(tcp.remoteAddress), family: 'IPv4', port: tcp.remotePort };
    if (noDelay) this.setNoDelay(true);
    if (keepAlive > 0) tcp.setKeepAlive(keepAlive);
    this.#handle.open();
    this.#ctx.live.add(this);
  }

  #connected(): void {
    const tcp = this.#tcp;
    if (!this.connecting || this.destroyed || tcp === undefined) return;
    this.connecting = false;
    this.#peer = { address: fmt(tcp.remoteAddress), family: 'IPv4', port: tcp.remotePort };
    this.#local = { address: fmt(tcp.localAddress), family: 'IPv4', port: tcp.localPort };
    this.#touch();
    this.#flush();
    const final = this.#finalCb;
    if (final !== undefined && this.#pending === undefined) {
      this.#finalCb = undefined;
      this._final(final);
    }
    this.emit('connect');
    this.emit('ready');
  }

  // ---- reading ----

  #data(chunk: Buffer): void {
    if (this.destroyed) return;
    this.bytesRead += chunk.length;
    this.#touch();
    if (!this.push(chunk) && !this.#paused && !this.#tcpDone) {
      this.#paused = true;
      this.#tcp?.pause();
    }
  }

  override _read(_size: number): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (!this.#tcpDone) {
      this.#tcp?.resume();
      this.#ctx.activity();
    }
  }

  /** The peer's FIN: what the TcpSocket still holds comes first, then the end. */
  #ended(): void {
    if (this.destroyed) return;
    if (this.#paused) {
      // No more data will come: take what is buffered now (at most the receive buffer), in order.
      this.#paused = false;
      this.#tcp?.resume();
    }
    this.#ctx.defer(() => {
      if (this.destroyed) return;
      this.push(null);
      // As Node: 'end' comes even when nothing reads, once nothing is buffered.
      this.read(0);
    });
  }

  #tcpClosed(error: NetstackError | undefined): void {
    this.#tcpDone = true;
    if (this.destroyed) return;
    if (error !== undefined && error.code === 'closed') {
      // The stack itself was closed (the host is going away): no one is left to hear an error.
      this.destroy();
      return;
    }
    if (error !== undefined) {
      const code = tcpErrorCode(error);
      const t = this.#target;
      this.destroy(this.connecting && t !== undefined ? errnoError(code, 'connect', t) : errnoError(code, 'read'));
      return;
    }
    // Closed in order. The peer's FIN already ended the readable side; if it never came (our
    // FIN_WAIT_2 gave up), nothing more will.
    if (!this.#peerEnded) this.destroy();
    else if (this.#pending !== undefined) this.#flush();
  }

  // ---- writing ----

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#pending = { chunk, offset: 0, cb: callback };
    this.#flush();
  }

  /** Hands the pending write to TCP, as much as fits; the rest waits for onDrain. */
  #flush(): void {
    const p = this.#pending;
    const tcp = this.#tcp;
    // As Node: writes made while connecting wait for the connection.
    if (p === undefined || tcp === undefined || this.connecting || this.destroyed) return;
    let n = 0;
    if (!this.#tcpDone) {
      try {
        n = tcp.write(p.chunk, p.offset, p.chunk.length - p.offset);
      } catch {
        n = -1;
      }
    }
    if (this.#tcpDone || n < 0) {
      this.#pending = undefined;
      p.cb(errnoError('EPIPE', 'write'));
      return;
    }
    this.#ctx.activity();
    this.#dispatched += n;
    p.offset += n;
    if (n > 0) this.#touch();
    if (p.offset >= p.chunk.length) {
      this.#pending = undefined;
      p.cb();
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    const tcp = this.#tcp;
    if (tcp === undefined || this.connecting) {
      // As Node: end (and 'finish') once connected.
      this.#finalCb = callback;
      return;
    }
    if (!this.#tcpDone) {
      tcp.end();
      this.#ctx.activity();
    }
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#clearTimer();
    const tcp = this.#tcp;
    if (tcp !== undefined && !this.#tcpDone) {
      this.#tcpDone = true;
      closeTcp(tcp, this.#reset);
      this.#ctx.activity();
    }
    this.connecting = false;
    this.#paused = false;
    this.#handle.closing();
    this.#ctx.live.delete(this);
    const p = this.#pending;
    this.#pending = undefined;
    this.#finalCb = undefined;
    callback(error);
    // As Node: a write the handle held completes once the handle is gone.
    if (p !== undefined) process.nextTick(p.cb, null);
    process.nextTick(() => {
      this.emit('close', error != null);
      // The handle stops keeping the program alive only after its 'close' handlers ran, as in
      // Node, where 'close' comes from the handle's close callback.
      this.#handle.close();
    });
  }

  /** Ends the writable side and destroys once it finished (Node's `destroySoon`). */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }

  /** Aborts with a RST (Node's `resetAndDestroy`). */
  resetAndDestroy(): this {
    this.#reset = true;
    this.destroy();
    return this;
  }

  // ---- options ----

  setTimeout(timeout: number, callback?: () => void): this {
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 0) {
      throw nodeError(
        RangeError,
        'ERR_OUT_OF_RANGE',
        `The value of "msecs" is out of range. It must be a non-negative finite number. Received ${timeout}`,
      );
    }
    this.timeout = timeout;
    this.#clearTimer();
    if (callback !== undefined) {
      if (timeout === 0) this.removeListener('timeout', callback);
      else this.once('timeout', callback);
    }
    if (timeout > 0 && !this.destroyed) {
      this.#timer = setTimeout(() => this.emit('timeout'), timeout);
      this.#timer.unref();
    }
    return this;
  }

  /** Activity: the idle timeout starts again. */
  #touch(): void {
    this.#timer?.refresh();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  setNoDelay(noDelay?: boolean): this {
    const on = noDelay === undefined ? true : !!noDelay;
    this.#noDelay = on;
    if (this.#tcp !== undefined && !this.#tcpDone) this.#tcp.setNoDelay(on);
    return this;
  }

  setKeepAlive(enable?: boolean, initialDelay?: number): this {
    const ms = keepAliveMs(!!enable, initialDelay);
    this.#keepAlive = ms;
    if (this.#tcp !== undefined && !this.#tcpDone) this.#tcp.setKeepAlive(ms);
    return this;
  }

  /** Keeps the program alive while open (the default). */
  ref(): this {
    this.#handle.ref();
    return this;
  }

  /** Lets the program end while this socket is open. */
  unref(): this {
    this.#handle.unref();
    return this;
  }

  address(): AddressInfo | Record<string, never> {
    return this.#local !== undefined ? { ...this.#local } : {};
  }

  // ---- read-outs ----

  get remoteAddress(): string | undefined {
    return this.#peer?.address;
  }

  get remotePort(): number | undefined {
    return this.#peer?.port;
  }

  get remoteFamily(): string | undefined {
    return this.#peer?.family;
  }

  get localAddress(): string | undefined {
    return this.#local?.address;
  }

  get localPort(): number | undefined {
    return this.#local?.port;
  }

  get localFamily(): string | undefined {
    return this.#local?.family;
  }

  /** Bytes handed to TCP plus those still waiting in this stream. */
  get bytesWritten(): number {
    let n = this.#dispatched;
    if (this.#pending !== undefined) n += this.#pending.chunk.length - this.#pending.offset;
    const queued = (this as unknown as { writableBuffer?: Array<{ chunk: Buffer | string; encoding?: BufferEncoding }> }).writableBuffer;
    for (const w of queued ?? []) {
      n += typeof w.chunk === 'string' ? Buffer.byteLength(w.chunk, w.encoding) : w.chunk.length;
    }
    return n;
  }

  get pending(): boolean {
    return this.#tcp === undefined || this.connecting || this.destroyed;
  }

  get readyState(): 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed' {
    if (this.connecting) return 'opening';
    if (this.readable && this.writable) return 'open';
    if (this.readable && !this.writable) return 'readOnly';
    if (!this.readable && this.writable) return 'writeOnly';
    return 'closed';
  }

  /** @internal The program exits. */
  closeNow(): void {
    this.destroy();
  }
}

/** A listening TCP server of a vnet host, as Node's `net.Server`. */
export class Server extends EventEmitter {
  /** Further connections are closed at once (Node's `maxConnections`). */
  maxConnections: number | undefined = undefined;

  readonly #ctx: NodeContext;
  readonly #handle: Handle;
  readonly #options: ServerOptions;
  #listener: TcpListener | undefined;
  #lookingUp = false;
  #address: AddressInfo | undefined;
  readonly #connections = new Set<Socket>();

  constructor(ctx: NodeContext, options?: ServerOptions | ConnectionListener, connectionListener?: ConnectionListener) {
    super();
    this.#ctx = ctx;
    this.#handle = new Handle(ctx);
    let listener = connectionListener;
    if (typeof options === 'function') {
      listener = options;
      this.#options = {};
    } else this.#options = options ?? {};
    if (listener !== undefined) this.on('connection', listener);
  }

  listen(port?: number | string, hostname?: string, backlog?: number, listeningListener?: () => void): this;
  listen(port?: number | string, hostname?: string, listeningListener?: () => void): this;
  listen(port?: number | string, backlog?: number, listeningListener?: () => void): this;
  listen(port?: number | string, listeningListener?: () => void): this;
  listen(options: ListenOptions, listeningListener?: () => void): this;
  listen(listeningListener?: () => void): this;
  listen(...args: unknown[]): this {
    const cb = typeof args[args.length - 1] === 'function' ? (args.pop() as () => void) : undefined;
    let port: unknown;
    let host: string | undefined;
    let backlog: number | undefined;
    const a0 = args[0];
    if (a0 !== null && typeof a0 === 'object') {
      const o = a0 as ListenOptions;
      if (o.path !== undefined && o.port === undefined) throw unixSocketError();
      port = o.port;
      host = o.host;
      backlog = o.backlog;
      const signal = o.signal;
      if (signal !== undefined) {
        const onAbort = () => this.close();
        if (signal.aborted) process.nextTick(onAbort);
        else {
          signal.addEventListener('abort', onAbort, { once: true });
          this.once('close', () => signal.removeEventListener('abort', onAbort));
        }
      }
    } else if (typeof a0 === 'string' && (a0.trim() === '' || Number.isNaN(Number(a0)))) {
      throw unixSocketError();
    } else {
      port = a0;
      if (typeof args[1] === 'string') host = args[1];
      backlog = toNumber(args[1]) || toNumber(args[2]);
    }
    if (this.#listener !== undefined || this.#lookingUp) {
      throw nodeError(Error, 'ERR_SERVER_ALREADY_LISTEN', 'Listen method has been called more than once without closing.');
    }
    const p = port === undefined || port === null ? 0 : checkPort(port, 'options.port');
    if (cb !== undefined) this.once('listening', cb);
    if (host === undefined || host === '' || host === '::' || host === ANY || isIPv4(host)) {
      this.#bind(host === undefined || host === '' || host === '::' ? ANY : host, p, backlog);
      return this;
    }
    if (isIPv6(host)) {
      process.nextTick(() => this.emit('error', errnoError('EADDRNOTAVAIL', 'listen', { address: host, port: p, describe: true })));
      return this;
    }
    this.#lookingUp = true;
    lookupIn(this.#ctx, host, 4, (err, list) => {
      if (!this.#lookingUp) return;
      this.#lookingUp = false;
      if (err) this.emit('error', err);
      else this.#bind(list[0].address, p, backlog);
    });
    return this;
  }

  #bind(address: string, port: number, backlog: number | undefined): void {
    const ctx = this.#ctx;
    const fail = (code: string) =>
      process.nextTick(() => this.emit('error', errnoError(code, 'listen', { address, port, describe: true })));
    if (address !== ANY) {
      let local = false;
      try {
        local = ctx.stack.routes.lookup(address)?.type === 'local';
      } catch {}
      if (!local) {
        fail('EADDRNOTAVAIL');
        return;
      }
    }
    const onConnection = (tcp: TcpSocket) => this.#accept(tcp);
    const bl = backlog !== undefined && backlog > 0 ? Math.min(Math.floor(backlog), 65535) : undefined;
    const at = address === ANY ? undefined : address;
    let listener: TcpListener | undefined;
    try {
      if (port !== 0) listener = ctx.stack.tcp.listen({ port, address: at, backlog: bl, onConnection });
      else listener = this.#ephemeral(at, bl, onConnection);
    } catch (e) {
      if (e instanceof NetstackError) {
        fail(e.code === 'in-use' ? 'EADDRINUSE' : 'EINVAL');
        return;
      }
      throw e;
    }
    if (listener === undefined) {
      fail('EADDRINUSE');
      return;
    }
    this.#listener = listener;
    this.#address = { address, family: 'IPv4', port: listener.port };
    this.#handle.open();
    ctx.live.add(this);
    process.nextTick(() => {
      if (this.#listener === listener) this.emit('listening');
    });
  }

  /** Port 0: a free port from Linux's ephemeral range, as the kernel picks one. */
  #ephemeral(address: string | undefined, backlog: number | undefined, onConnection: (tcp: TcpSocket) => void): TcpListener | undefined {
    const tcp = this.#ctx.stack.tcp;
    const used = new Set(tcp.connections().map((c) => c.localPort));
    const low = 32768;
    const span = 60999 - low + 1;
    const start = Math.floor(Math.random() * span);
    for (let i = 0; i < span; i++) {
      const port = low + ((start + i) % span);
      if (used.has(port)) continue;
      try {
        return tcp.listen({ port, address, backlog, onConnection });
      } catch (e) {
        if (!(e instanceof NetstackError) || e.code !== 'in-use') throw e;
      }
    }
    return undefined;
  }

  #accept(tcp: TcpSocket): void {
    const ctx = this.#ctx;
    if (this.#listener === undefined) {
      tcp.destroy();
      return;
    }
    if (this.maxConnections !== undefined && this.#connections.size >= this.maxConnections) {
      closeTcp(tcp, false);
      const drop = {
        localAddress: fmt(tcp.localAddress),
        localPort: tcp.localPort,
        localFamily: 'IPv4',
        remoteAddress: fmt(tcp.remoteAddress),
        remotePort: tcp.remotePort,
        remoteFamily: 'IPv4',
      };
      ctx.defer(() => this.emit('drop', drop));
      return;
    }
    const o = this.#options;
    const SocketClass = socketClasses.get(ctx);
    const socket =
      SocketClass !== undefined ? new SocketClass({ allowHalfOpen: o.allowHalfOpen, highWaterMark: o.highWaterMark }) : new Socket(ctx, o);
    socket[kAccept](tcp, o.noDelay === true, o.keepAlive ? keepAliveMs(true, o.keepAliveInitialDelay) : 0);
    socket.server = this;
    this.#connections.add(socket);
    socket.once('close', () => {
      this.#connections.delete(socket);
      this.#emitCloseIfDrained();
    });
    if (o.pauseOnConnect) socket.pause();
    ctx.defer(() => this.emit('connection', socket));
  }

  /** Stops listening; 'close' comes once the connections already accepted have closed. */
  close(callback?: (err?: Error) => void): this {
    if (typeof callback === 'function') {
      if (this.#listener === undefined)
        this.once('close', () => callback(nodeError(Error, 'ERR_SERVER_NOT_RUNNING', 'Server is not running.')));
      else this.once('close', callback);
    }
    this.#lookingUp = false;
    const wasListening = this.#listener !== undefined;
    if (this.#listener !== undefined) {
      this.#listener.close();
      this.#listener = undefined;
      this.#handle.closing();
      this.#ctx.live.delete(this);
    }
    this.#emitCloseIfDrained();
    // After a 'close' emitted now, so the program hears it before it may end.
    if (wasListening) process.nextTick(() => this.#handle.close());
    return this;
  }

  #emitCloseIfDrained(): void {
    if (this.#listener !== undefined || this.#connections.size > 0) return;
    process.nextTick(() => this.emit('close'));
  }

  address(): AddressInfo | null {
    return this.#listener !== undefined && this.#address !== undefined ? { ...this.#address } : null;
  }

  getConnections(callback: (error: Error | null, count: number) => void): this {
    process.nextTick(callback, null, this.#connections.size);
    return this;
  }

  get listening(): boolean {
    return this.#listener !== undefined;
  }

  ref(): this {
    this.#handle.ref();
    return this;
  }

  unref(): this {
    this.#handle.unref();
    return this;
  }

  /** @internal The program exits. */
  closeNow(): void {
    this.close();
  }
}

function toNumber(x: unknown): number | undefined {
  const n = Number(x);
  return typeof x !== 'boolean' && x !== null && x !== undefined && n >= 0 ? n : undefined;
}

/** Builds `net` for a context. */
export function createNet(ctx: NodeContext): NetModule {
  class VnetSocket extends Socket {
    constructor(options?: SocketOptions) {
      super(ctx, options);
    }
  }
  class VnetServer extends Server {
    constructor(options?: ServerOptions | ConnectionListener, connectionListener?: ConnectionListener) {
      super(ctx, options, connectionListener);
    }
  }
  socketClasses.set(ctx, VnetSocket);

  const connect = ((...args: unknown[]): Socket => {
    const [o] = connectArgs(args);
    const socket = new VnetSocket(o);
    return (socket.connect as (...a: unknown[]) => Socket)(...args);
  }) as ConnectFunction;

  return {
    Socket: VnetSocket,
    Stream: VnetSocket,
    Server: VnetServer,
    createServer: (options, connectionListener) => new VnetServer(options, connectionListener),
    connect,
    createConnection: connect,
    isIP,
    isIPv4,
    isIPv6,
  };
}

export type { ErrnoError };
