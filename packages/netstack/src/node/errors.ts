/// <reference types="node" />
/**
 * Errors shaped as Node's system errors (`code`, `errno`, `syscall`, `address`, `port`), so
 * programs that test `err.code === 'ECONNREFUSED'` behave as on a real host.
 */
import { constants } from 'node:os';
import type { NetstackError } from '../errors.js';

/** A Node system error: `connect ECONNREFUSED 10.0.0.2:80`. */
export interface ErrnoError extends Error {
  code: string;
  errno: number;
  syscall: string;
  address?: string;
  port?: number;
  hostname?: string;
}

/** libuv's numbers for the getaddrinfo errors, which are not errno values. */
const UV_EAI: Record<string, number> = { ENOTFOUND: -3008, EAI_AGAIN: -3001, EAI_FAIL: -3007 };

/** Linux's errno numbers, in case `os.constants` lacks one. */
const LINUX: Record<string, number> = {
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ECONNREFUSED: 111,
  ECONNRESET: 104,
  ECONNABORTED: 103,
  ETIMEDOUT: 110,
  ENETUNREACH: 101,
  EHOSTUNREACH: 113,
  EPIPE: 32,
  EMSGSIZE: 90,
  EACCES: 13,
  EBADF: 9,
  EINVAL: 22,
  EAFNOSUPPORT: 97,
};

/** Node's descriptions, for the errors whose message carries one (`listen EADDRINUSE: address already in use …`). */
const DESCRIPTIONS: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available',
};

export function errnoOf(code: string): number {
  if (code in UV_EAI) return UV_EAI[code];
  const n = (constants.errno as Record<string, number | undefined>)[code] ?? LINUX[code];
  return n === undefined ? 0 : -n;
}

/**
 * Builds an error as Node's `exceptionWithHostPort` does: `syscall CODE address:port`; with
 * `describe`, as `uvExceptionWithHostPort`: `syscall CODE: description address:port`.
 */
export function errnoError(
  code: string,
  syscall: string,
  where: { address?: string; port?: number; hostname?: string; describe?: boolean } = {},
): ErrnoError {
  let message = `${syscall} ${code}`;
  if (where.describe && DESCRIPTIONS[code]) message += `: ${DESCRIPTIONS[code]}`;
  if (where.hostname !== undefined) message += ` ${where.hostname}`;
  else if (where.address !== undefined)
    message += where.port !== undefined && where.port > 0 ? ` ${where.address}:${where.port}` : ` ${where.address}`;
  const e = new Error(message) as ErrnoError;
  e.errno = errnoOf(code);
  e.code = code;
  e.syscall = syscall;
  if (where.hostname !== undefined) e.hostname = where.hostname;
  if (where.address !== undefined) e.address = where.address;
  if (where.port !== undefined && where.port > 0) e.port = where.port;
  return e;
}

/** The errno of a TCP connection's end. */
export function tcpErrorCode(e: NetstackError): string {
  switch (e.code) {
    case 'connection-refused':
      return 'ECONNREFUSED';
    case 'connection-reset':
      return 'ECONNRESET';
    case 'timed-out':
      return 'ETIMEDOUT';
    case 'network-unreachable':
      return 'ENETUNREACH';
    case 'in-use':
      return 'EADDRINUSE';
    case 'closed':
      return 'ECONNABORTED';
    default:
      return 'EINVAL';
  }
}

/** An error with one of Node's `ERR_*` codes (argument checks). */
export function nodeError<E extends Error>(Kind: new (message: string) => E, code: string, message: string): E & { code: string } {
  const e = new Kind(message) as E & { code: string };
  e.code = code;
  return e;
}

/** Node's port check: an integer 0–65535, or a string of one. */
export function checkPort(port: unknown, name = 'Port', allowZero = true): number {
  const ok =
    (typeof port === 'number' || (typeof port === 'string' && port.trim() !== '')) &&
    Number.isInteger(+(port as number)) &&
    +(port as number) >= (allowZero ? 0 : 1) &&
    +(port as number) <= 0xffff;
  if (!ok) {
    throw nodeError(RangeError, 'ERR_SOCKET_BAD_PORT', `${name} should be >= ${allowZero ? 0 : 1} and < 65536. Received ${String(port)}.`);
  }
  return +(port as number);
}
