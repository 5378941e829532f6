/**
 * The small typed RPC between the main thread (control) and node workers. Requests carry an
 * id; each gets exactly one reply, a value or an error. Frames never travel here: they cross
 * in shared-memory rings.
 */
import type { MessagePort, Worker } from 'node:worker_threads';

export interface RpcRequest {
  id: number;
  method: string;
  params: unknown;
}

export interface RpcReply {
  id: number;
  result?: unknown;
  error?: { message: string; code?: string; name?: string };
}

/** A notification from a worker that is not a reply (a node crashed, output of a background job). */
export interface RpcEvent {
  event: string;
  data: unknown;
}

type Endpoint = Pick<Worker, 'postMessage' | 'on' | 'off'> | Pick<MessagePort, 'postMessage' | 'on' | 'off'>;

/** The calling side: `await client.call('cmd', { node: 'h1', line: 'ping -c1 h2' })`. */
export class RpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private closed: Error | undefined;

  constructor(
    private readonly endpoint: Endpoint,
    onEvent: (e: RpcEvent) => void = () => {},
  ) {
    endpoint.on('message', (m: RpcReply | RpcEvent) => {
      if ('event' in m) {
        onEvent(m);
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(Object.assign(new Error(m.error.message), { code: m.error.code, remoteName: m.error.name }));
      else p.resolve(m.result);
    });
  }

  call<T>(method: string, params: unknown = undefined, transfer?: readonly ArrayBuffer[]): Promise<T> {
    if (this.closed) return Promise.reject(this.closed);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.endpoint.postMessage({ id, method, params } satisfies RpcRequest, transfer as ArrayBuffer[] | undefined);
    });
  }

  /** Fails every pending and future call with `error` (the worker is gone). */
  fail(error: Error): void {
    this.closed = error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}

export type RpcHandler = (params: never) => unknown | Promise<unknown>;

/** The serving side, in a worker: one handler per method. */
export function serveRpc(endpoint: Endpoint, handlers: Record<string, RpcHandler>): void {
  endpoint.on('message', async (m: RpcRequest) => {
    const handler = handlers[m.method];
    let reply: RpcReply;
    try {
      if (!handler) throw new Error(`no such method: ${m.method}`);
      reply = { id: m.id, result: await handler(m.params as never) };
    } catch (e) {
      const err = e as Error & { code?: string };
      reply = { id: m.id, error: { message: err.message, code: err.code, name: err.name } };
    }
    endpoint.postMessage(reply);
  });
}
