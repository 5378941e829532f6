/// <reference types="node" />
/**
 * @vnet/netstack/node — Node's `net`, `http`, `dns` and `dgram` bound to one `Stack`, so that
 * ordinary Node code runs unchanged over the virtual network:
 *
 * ```ts
 * const { net, http } = nodeModules(stack, { lookup: (name) => hosts[name] });
 * http.createServer((req, res) => res.end('hi')).listen(8080);
 * ```
 *
 * A bundler or a `require` shim hands a program these modules instead of Node's. Handlers run
 * from microtasks, never inside the stack's own calls; the stack is still driven (fed frames
 * and polled) by its owner. `onHandle` counts what keeps the program alive, as Node's event
 * loop does, and `closeAll()` ends what a program left open when it exits.
 */
import type { Stack } from '../stack.js';
import { NodeContext, type NodeModulesOptions } from './context.js';
import { createDgram, type DgramModule } from './dgram.js';
import { createDns, type DnsModule } from './dns.js';
import { createHttp, type HttpModule } from './http.js';
import { createNet, type NetModule } from './net.js';

export type { NodeModulesOptions } from './context.js';
export {
  type BindOptions,
  type DgramAddressInfo,
  type DgramMessage,
  type DgramModule,
  DgramSocket,
  type DgramSocketOptions,
  type MessageListener,
  type RemoteInfo,
  type SendCallback,
  type SocketType,
} from './dgram.js';
export type {
  DnsModule,
  DnsPromises,
  LookupAddress,
  LookupAllCallback,
  LookupCallback,
  LookupFunction,
  LookupOptions,
  RecordWithTtl,
  ResolveOptions,
} from './dns.js';
export type { ErrnoError } from './errors.js';
export { type HttpModule, HttpServer, type RequestFunction } from './http.js';
export {
  type AddressInfo,
  type ConnectFunction,
  type ConnectionListener,
  type ListenOptions,
  type NetConnectOptions,
  type NetModule,
  Server,
  type ServerOptions,
  Socket,
  type SocketOptions,
  type TcpSocketConnectOptions,
} from './net.js';

/** The modules of one stack; `require('net')` can return `modules.net`, and so on. */
export interface NodeModules {
  net: NetModule;
  http: HttpModule;
  dns: DnsModule;
  /** UDP sockets (the stack has them). */
  dgram?: DgramModule;
  /** Ends every server, socket and UDP socket still open (the program exits): each handle closes once. */
  closeAll(): void;
}

/** Builds `net`, `http`, `dns` and `dgram` over `stack`. */
export function nodeModules(stack: Stack, options: NodeModulesOptions = {}): NodeModules {
  const ctx = new NodeContext(stack, options);
  const net = createNet(ctx);
  const modules: NodeModules = {
    net,
    http: createHttp(ctx, net),
    dns: createDns(ctx),
    closeAll: () => ctx.closeAll(),
  };
  if (typeof stack.udp?.bind === 'function') modules.dgram = createDgram(ctx);
  return modules;
}
