/// <reference types="node" />
/**
 * `dns` for a vnet host: `lookup` (what `net` and `http` use) and `resolve4`, answering from IPv4
 * literals, `localhost`, and the names the owner's `lookup` knows (a topology's hosts). There is
 * no IPv6: a lookup for family 6 finds nothing. Callbacks are asynchronous, as Node's are.
 */
import * as nodeDns from 'node:dns';
import { isIP } from 'node:net';
import type { NodeContext } from './context.js';
import { type ErrnoError, errnoError, nodeError } from './errors.js';

export interface LookupOptions {
  /** 0 (any), 4 or 6 (`'IPv4'`/`'IPv6'` as well). */
  family?: number | 'IPv4' | 'IPv6';
  hints?: number;
  /** All addresses, as `[{ address, family }]`. */
  all?: boolean;
  verbatim?: boolean;
  order?: 'ipv4first' | 'ipv6first' | 'verbatim';
}

export interface LookupAddress {
  address: string;
  family: number;
}

export type LookupCallback = (err: ErrnoError | null, address: string, family: number) => void;
export type LookupAllCallback = (err: ErrnoError | null, addresses: LookupAddress[]) => void;

/** Node's `dns.lookup` signature, as `net.connect({ lookup })` takes it. */
export type LookupFunction = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;

export interface ResolveOptions {
  ttl?: boolean;
}

export interface RecordWithTtl {
  address: string;
  ttl: number;
}

export interface DnsPromises {
  lookup(hostname: string, options?: number | LookupOptions): Promise<LookupAddress | LookupAddress[]>;
  resolve4(hostname: string, options?: ResolveOptions): Promise<string[] | RecordWithTtl[]>;
  resolve(hostname: string, rrtype?: string): Promise<string[]>;
  getServers(): string[];
  setServers(servers: readonly string[]): void;
  setDefaultResultOrder(order: string): void;
  getDefaultResultOrder(): string;
}

export interface DnsModule {
  lookup(hostname: string, callback: LookupCallback): void;
  lookup(hostname: string, options: number | (LookupOptions & { all?: false }), callback: LookupCallback): void;
  lookup(hostname: string, options: LookupOptions & { all: true }, callback: LookupAllCallback): void;
  lookup(hostname: string, options: number | LookupOptions, callback: LookupCallback | LookupAllCallback): void;
  resolve4(hostname: string, callback: (err: ErrnoError | null, addresses: string[]) => void): void;
  resolve4(
    hostname: string,
    options: ResolveOptions,
    callback: (err: ErrnoError | null, addresses: string[] | RecordWithTtl[]) => void,
  ): void;
  resolve(hostname: string, callback: (err: ErrnoError | null, addresses: string[]) => void): void;
  resolve(hostname: string, rrtype: string, callback: (err: ErrnoError | null, addresses: string[]) => void): void;
  getServers(): string[];
  setServers(servers: readonly string[]): void;
  setDefaultResultOrder(order: string): void;
  getDefaultResultOrder(): string;
  promises: DnsPromises;
  ADDRCONFIG: number;
  V4MAPPED: number;
  ALL: number;
  NOTFOUND: 'ENOTFOUND';
  NODATA: 'ENODATA';
  NOTIMP: 'ENOTIMP';
}

/** A TTL for answers (the names of a topology do not change while it runs). */
const TTL = 3600;

function familyOf(options: number | LookupOptions | undefined): number {
  const f = typeof options === 'number' ? options : options?.family;
  if (f === 'IPv4') return 4;
  if (f === 'IPv6') return 6;
  if (f === undefined || f === 0 || f === 4 || f === 6) return f ?? 0;
  throw nodeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The argument 'family' must be one of: 0, 4, 6. Received ${String(f)}`);
}

function checkHostname(hostname: unknown): asserts hostname is string {
  if (typeof hostname !== 'string') {
    throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "hostname" argument must be of type string. Received ${typeof hostname}`);
  }
}

/** `dns.lookup` over the context's names; the answer comes from a microtask. */
export function lookupIn(
  ctx: NodeContext,
  hostname: string,
  options: number | LookupOptions | undefined,
  callback: (err: ErrnoError | null, addresses: LookupAddress[]) => void,
): void {
  checkHostname(hostname);
  const family = familyOf(options);
  if (typeof callback !== 'function') {
    throw nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'The "callback" argument must be of type function');
  }
  const literal = isIP(hostname);
  let found: LookupAddress | undefined;
  if (literal !== 0) found = family === 0 || family === literal ? { address: hostname, family: literal } : undefined;
  else if (family !== 6) {
    const a = ctx.resolve(hostname);
    if (a !== undefined) found = { address: a, family: 4 };
  }
  ctx.defer(() => {
    if (found === undefined) callback(errnoError('ENOTFOUND', 'getaddrinfo', { hostname }), []);
    else callback(null, [found]);
  });
}

/** Builds `dns` for a context. */
export function createDns(ctx: NodeContext): DnsModule {
  function lookup(hostname: string, a: unknown, b?: unknown): void {
    const callback = (typeof a === 'function' ? a : b) as LookupCallback | LookupAllCallback;
    const options = typeof a === 'function' ? undefined : (a as number | LookupOptions | undefined);
    const all = typeof options === 'object' && options !== null && options.all === true;
    if (!hostname) {
      // Node answers an empty name with no address rather than an error.
      familyOf(options);
      ctx.defer(() =>
        all ? (callback as LookupAllCallback)(null, []) : (callback as unknown as (e: null, a: null, f: number) => void)(null, null, 4),
      );
      return;
    }
    lookupIn(ctx, hostname, options, (err, list) => {
      if (all) (callback as LookupAllCallback)(err, list);
      else if (err) (callback as LookupCallback)(err, '', 0);
      else (callback as LookupCallback)(null, list[0].address, list[0].family);
    });
  }

  function resolve4(hostname: string, a: unknown, b?: unknown): void {
    const callback = (typeof a === 'function' ? a : b) as (err: ErrnoError | null, addresses: string[] | RecordWithTtl[]) => void;
    const ttl = typeof a === 'object' && a !== null && (a as ResolveOptions).ttl === true;
    checkHostname(hostname);
    const address = ctx.resolve(hostname);
    ctx.defer(() => {
      if (address === undefined) callback(errnoError('ENOTFOUND', 'queryA', { hostname }), []);
      else callback(null, ttl ? [{ address, ttl: TTL }] : [address]);
    });
  }

  function resolve(hostname: string, a: unknown, b?: unknown): void {
    const rrtype = typeof a === 'string' ? a : 'A';
    const callback = (typeof a === 'function' ? a : b) as (err: ErrnoError | null, addresses: string[]) => void;
    if (rrtype === 'A') {
      resolve4(hostname, callback);
      return;
    }
    checkHostname(hostname);
    // vnet names have A records only.
    const syscall = `query${rrtype.charAt(0)}${rrtype.slice(1).toLowerCase()}`;
    ctx.defer(() => callback(errnoError(ctx.resolve(hostname) === undefined ? 'ENOTFOUND' : 'ENODATA', syscall, { hostname }), []));
  }

  let order = 'verbatim';
  const settings = {
    getServers: (): string[] => [],
    setServers: (_servers: readonly string[]): void => {},
    setDefaultResultOrder: (o: string): void => {
      order = o;
    },
    getDefaultResultOrder: (): string => order,
  };

  const promises: DnsPromises = {
    lookup: (hostname, options) =>
      new Promise((res, rej) => {
        const all = typeof options === 'object' && options !== null && options.all === true;
        lookupIn(ctx, hostname, options, (err, list) => (err ? rej(err) : res(all ? list : list[0])));
      }),
    resolve4: (hostname, options) =>
      new Promise((res, rej) =>
        resolve4(hostname, options ?? {}, (err: ErrnoError | null, r: string[] | RecordWithTtl[]) => (err ? rej(err) : res(r))),
      ),
    resolve: (hostname, rrtype = 'A') =>
      new Promise((res, rej) => resolve(hostname, rrtype, (err: ErrnoError | null, r: string[]) => (err ? rej(err) : res(r)))),
    ...settings,
  };

  return {
    lookup: lookup as DnsModule['lookup'],
    resolve4: resolve4 as DnsModule['resolve4'],
    resolve: resolve as DnsModule['resolve'],
    ...settings,
    promises,
    ADDRCONFIG: nodeDns.ADDRCONFIG,
    V4MAPPED: nodeDns.V4MAPPED,
    ALL: nodeDns.ALL,
    NOTFOUND: 'ENOTFOUND',
    NODATA: 'ENODATA',
    NOTIMP: 'ENOTIMP',
  };
}
