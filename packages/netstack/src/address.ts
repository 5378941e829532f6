/** User-facing address parsing: text or numbers in, numbers out, `NetstackError` on bad input. */
import { FrameError, type Ipv4Address, type Ipv4Cidr, isValidIpv4, isValidMac, type Mac, parseIpv4Cidr, toIpv4, toMac } from '@vnet/frame';
import { NetstackError } from './errors.js';

export function ipv4Of(a: Ipv4Address | string, what: string): Ipv4Address {
  if (typeof a === 'number') {
    if (isValidIpv4(a)) return a;
    throw new NetstackError('bad-address', `${what}: ${a} is not a 32-bit IPv4 address; give one like '10.0.0.1'`);
  }
  try {
    return toIpv4(a);
  } catch (e) {
    throw rethrow(e, `${what}: "${a}" is not an IPv4 address; give one like '10.0.0.1'`);
  }
}

export function macOf(m: Mac | string, what: string): Mac {
  if (typeof m === 'number') {
    if (isValidMac(m)) return m;
    throw new NetstackError('bad-address', `${what}: ${m} is not a 48-bit MAC address; give one like '00:00:00:00:00:01'`);
  }
  try {
    return toMac(m);
  } catch (e) {
    throw rethrow(e, `${what}: "${m}" is not a MAC address; give one like '00:00:00:00:00:01'`);
  }
}

/** `10.0.0.1/8`, or a bare address as a host prefix; `default` is 0.0.0.0/0. */
export function cidrOf(text: string | Ipv4Cidr, what: string): Ipv4Cidr {
  if (typeof text !== 'string') return text;
  try {
    return parseIpv4Cidr(text.trim() === 'default' ? '0.0.0.0/0' : text);
  } catch (e) {
    throw rethrow(e, `${what}: "${text}" is not an IPv4 prefix; write it like '10.0.0.1/8'`);
  }
}

function rethrow(e: unknown, message: string): unknown {
  return e instanceof FrameError ? new NetstackError('bad-address', message) : e;
}

export function checkInt(v: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new NetstackError('bad-value', `${what} must be an integer from ${min} to ${max}, not ${v}`);
  }
  return v;
}
