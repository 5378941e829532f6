/// <reference types="node" />
/**
 * `http` for a vnet host: Node's own HTTP implementation (parser, `IncomingMessage`,
 * `ServerResponse`, `ClientRequest`, keep-alive agent) over vnet sockets.
 *
 * - The server is a real `http.Server` whose `listen` opens a vnet listener; each accepted vnet
 *   socket is handed to Node's HTTP code by `emit('connection', socket)`, as documented for any
 *   Duplex. `close`, `closeIdleConnections`, timeouts and keep-alive are Node's.
 * - The client is Node's `http.request` with this module's `globalAgent` as the default agent:
 *   an `http.Agent` whose `createConnection` opens vnet sockets, so keep-alive pooling works;
 *   `agent: false` gets a fresh one of those, and `new http.Agent()` is one too.
 */
import * as http from 'node:http';
import type { Duplex } from 'node:stream';
import type { NodeContext } from './context.js';
import type { LookupFunction } from './dns.js';
import type { AddressInfo, ListenOptions, NetModule, Server as NetServer, Socket } from './net.js';

type RequestListener = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** Node's `net.Server` fields that its `close`, `listening` and `getConnections` read. */
interface NetServerInternals {
  _handle: { close(): void; ref(): void; unref(): void } | null;
  _connections: number;
  _emitCloseIfDrained(): void;
}

/** Stands in for the listening handle Node's `net.Server` code checks; the vnet listener is the real one. */
const LISTENING_HANDLE = Object.freeze({ close() {}, ref() {}, unref() {} });

/** An `http.Server` listening on a vnet stack. */
export class HttpServer extends http.Server {
  readonly #net: NetServer;

  constructor(net: NetModule, options?: http.ServerOptions | RequestListener, requestListener?: RequestListener) {
    const o = typeof options === 'function' || options === undefined ? {} : options;
    super(o, typeof options === 'function' ? options : requestListener);
    const self = this as unknown as NetServerInternals;
    // As Node's http.Server asks of net.Server: half-open allowed, Nagle off unless told otherwise.
    this.#net = new net.Server(
      {
        allowHalfOpen: true,
        noDelay: o.noDelay ?? true,
        keepAlive: o.keepAlive,
        keepAliveInitialDelay: o.keepAliveInitialDelay,
        highWaterMark: o.highWaterMark,
      },
      (socket: Socket) => {
        self._connections++;
        socket.once('close', () => {
          self._connections--;
          self._emitCloseIfDrained();
        });
        this.emit('connection', socket);
      },
    );
    this.#net.on('listening', () => {
      self._handle = LISTENING_HANDLE;
      this.emit('listening');
    });
    this.#net.on('error', (e: Error) => this.emit('error', e));
  }

  override listen(port?: number | string, hostname?: string, backlog?: number, listeningListener?: () => void): this;
  override listen(port?: number | string, hostname?: string, listeningListener?: () => void): this;
  override listen(port?: number | string, backlog?: number, listeningListener?: () => void): this;
  override listen(port?: number | string, listeningListener?: () => void): this;
  override listen(options: ListenOptions, listeningListener?: () => void): this;
  override listen(listeningListener?: () => void): this;
  override listen(...args: unknown[]): this {
    const cb = typeof args[args.length - 1] === 'function' ? (args.pop() as () => void) : undefined;
    (this.#net.listen as (...a: unknown[]) => NetServer)(...args);
    if (cb !== undefined) this.once('listening', cb);
    return this;
  }

  /** Stops listening, closes idle connections (Node ≥ 19), and emits 'close' when the others are gone. */
  override close(callback?: (err?: Error) => void): this {
    this.#net.close();
    return super.close(callback);
  }

  override address(): AddressInfo | null {
    return this.#net.address();
  }

  override ref(): this {
    this.#net.ref();
    return this;
  }

  override unref(): this {
    this.#net.unref();
    return this;
  }
}

/** `http.request` / `http.get`. */
export interface RequestFunction {
  (options: http.RequestOptions | string | URL, callback?: (res: http.IncomingMessage) => void): http.ClientRequest;
  (url: string | URL, options: http.RequestOptions, callback?: (res: http.IncomingMessage) => void): http.ClientRequest;
}

/** What `require('http')` returns on a vnet host. */
export interface HttpModule {
  createServer(requestListener?: RequestListener): HttpServer;
  createServer(options: http.ServerOptions, requestListener?: RequestListener): HttpServer;
  request: RequestFunction;
  get: RequestFunction;
  Server: new (options?: http.ServerOptions | RequestListener, requestListener?: RequestListener) => HttpServer;
  Agent: new (options?: http.AgentOptions) => http.Agent;
  globalAgent: http.Agent;
  STATUS_CODES: typeof http.STATUS_CODES;
  METHODS: typeof http.METHODS;
  IncomingMessage: typeof http.IncomingMessage;
  ServerResponse: typeof http.ServerResponse;
  ClientRequest: typeof http.ClientRequest;
  OutgoingMessage: typeof http.OutgoingMessage;
  maxHeaderSize: number;
  validateHeaderName: typeof http.validateHeaderName;
  validateHeaderValue: typeof http.validateHeaderValue;
}

/** Builds `http` for a context, over its `net`. */
export function createHttp(_ctx: NodeContext, net: NetModule): HttpModule {
  class VnetAgent extends http.Agent {
    /** Node's `createConnection` hands the socket back at once; the callback is for errors before one exists. */
    override createConnection(options: http.ClientRequestArgs, _callback?: (err: Error | null, stream: Duplex) => void): Duplex {
      const o = options as http.ClientRequestArgs & { keepAlive?: boolean; keepAliveMsecs?: number; noDelay?: boolean };
      const socket = net.connect({
        host: o.host ?? o.hostname ?? 'localhost',
        port: o.port ?? o.defaultPort ?? 80,
        localAddress: o.localAddress,
        localPort: o.localPort,
        family: o.family,
        lookup: o.lookup as LookupFunction | undefined,
        timeout: o.timeout,
        noDelay: o.noDelay ?? true,
        keepAlive: o.keepAlive,
        keepAliveInitialDelay: o.keepAliveMsecs,
      });
      return socket;
    }
  }
  class VnetHttpServer extends HttpServer {
    constructor(options?: http.ServerOptions | RequestListener, requestListener?: RequestListener) {
      super(net, options, requestListener);
    }
  }
  // Node ≥ 19's global agent: keep-alive, LIFO, free sockets closed after 5 s.
  const globalAgent = new VnetAgent({ keepAlive: true, scheduling: 'lifo', timeout: 5000 });

  const request = ((...args: unknown[]): http.ClientRequest => {
    const a0 = args[0];
    if (typeof a0 === 'string' || a0 instanceof URL) {
      const withOptions = args[1] !== null && typeof args[1] === 'object';
      const options = { ...(withOptions ? (args[1] as http.RequestOptions) : {}), _defaultAgent: globalAgent };
      const cb = (withOptions ? args[2] : args[1]) as ((res: http.IncomingMessage) => void) | undefined;
      return http.request(a0, options, cb);
    }
    const options = { ...((a0 ?? {}) as http.RequestOptions), _defaultAgent: globalAgent };
    return http.request(options, args[1] as ((res: http.IncomingMessage) => void) | undefined);
  }) as RequestFunction;

  const get = ((...args: unknown[]): http.ClientRequest => {
    const req = (request as (...a: unknown[]) => http.ClientRequest)(...args);
    req.end();
    return req;
  }) as RequestFunction;

  return {
    createServer: ((options?: http.ServerOptions | RequestListener, requestListener?: RequestListener) =>
      new VnetHttpServer(options, requestListener)) as HttpModule['createServer'],
    request,
    get,
    Server: VnetHttpServer,
    Agent: VnetAgent,
    globalAgent,
    STATUS_CODES: http.STATUS_CODES,
    METHODS: http.METHODS,
    IncomingMessage: http.IncomingMessage,
    ServerResponse: http.ServerResponse,
    ClientRequest: http.ClientRequest,
    OutgoingMessage: http.OutgoingMessage,
    maxHeaderSize: http.maxHeaderSize,
    validateHeaderName: http.validateHeaderName,
    validateHeaderValue: http.validateHeaderValue,
  };
}
