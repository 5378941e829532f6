import { FrameError } from '../errors.js';

/** An IPv4 address is an unsigned 32-bit integer. */
export type Ipv4Address = number;

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses dotted-quad text (`10.0.0.1`); no shorthand forms, no leading zeros that hide octal. */
export function parseIpv4(text: string): Ipv4Address {
  const m = DOTTED.exec(text.trim());
  if (m) {
    let v = 0;
    let ok = true;
    for (let i = 1; i <= 4; i++) {
      const part = m[i];
      const n = Number(part);
      if (n > 255 || (part.length > 1 && part[0] === '0')) ok = false;
      v = v * 256 + n;
    }
    if (ok) return v;
  }
  throw new FrameError('bad-address', 'ipv4', 0, `"${text}" is not an IPv4 address; write four numbers 0-255 like 10.0.0.1`);
}

export function formatIpv4(a: Ipv4Address): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

export function isValidIpv4(a: number): a is Ipv4Address {
  return Number.isInteger(a) && a >= 0 && a <= 0xffff_ffff;
}

/** Accepts an IPv4 address as text or number, the way builders and the CLI take it. */
export function toIpv4(a: Ipv4Address | string): Ipv4Address {
  if (typeof a === 'string') return parseIpv4(a);
  if (!isValidIpv4(a)) throw new FrameError('bad-address', 'ipv4', 0, `${a} is not a 32-bit IPv4 address`);
  return a;
}

export const IPV4_ANY: Ipv4Address = 0;
export const IPV4_BROADCAST: Ipv4Address = 0xffff_ffff;

export function isMulticastIpv4(a: Ipv4Address): boolean {
  return a >>> 28 === 0xe;
}

export function isLoopbackIpv4(a: Ipv4Address): boolean {
  return a >>> 24 === 127;
}

/** The multicast MAC an IPv4 group maps to (RFC 1112: 01:00:5e + low 23 bits). */
export function ipv4MulticastMac(a: Ipv4Address): number {
  return 0x01005e00_0000 + (a & 0x7f_ffff);
}
