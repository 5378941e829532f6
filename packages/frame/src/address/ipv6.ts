import { u32 } from '../bytes.js';
import { FrameError } from '../errors.js';

/** An IPv6 address is an unsigned 128-bit integer. */
export type Ipv6Address = bigint;

const MAX = (1n << 128n) - 1n;

function bad(text: string): FrameError {
  return new FrameError('bad-address', 'ipv6', 0, `"${text}" is not an IPv6 address; write hex groups like fe80::1 or 2001:db8::10`);
}

/** Parses RFC 4291 text: eight hex groups, one `::`, an optional trailing dotted IPv4. */
export function parseIpv6(text: string): Ipv6Address {
  const t = text.trim();
  if (t.length === 0 || t.length > 45) throw bad(text);
  const halves = t.split('::');
  if (halves.length > 2) throw bad(text);
  const groups = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (i === items.length - 1 && item.includes('.')) {
        const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(item);
        if (!m || m.slice(1).some((x) => Number(x) > 255 || (x.length > 1 && x[0] === '0'))) throw bad(text);
        out.push((Number(m[1]) << 8) | Number(m[2]), (Number(m[3]) << 8) | Number(m[4]));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(item)) throw bad(text);
        out.push(Number.parseInt(item, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) throw bad(text);
  let v = 0n;
  for (const g of [...head, ...new Array<number>(fill).fill(0), ...tail]) v = (v << 16n) | BigInt(g);
  return v;
}

/**
 * RFC 5952 text (lower case, no leading zeros, the longest run of two or more zero groups as
 * `::`), with the trailing dotted IPv4 for IPv4-mapped and IPv4-compatible addresses, exactly
 * as inet_ntop, tshark and scapy print them.
 */
export function formatIpv6(a: Ipv6Address): string {
  const w: number[] = [];
  for (let i = 7; i >= 0; i--) w.push(Number((a >> BigInt(16 * i)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestStart = -1;
  const dotted = bestStart === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff));
  const last = dotted ? 6 : 8;
  let s = '';
  for (let i = 0; i < last; i++) {
    if (i === bestStart) {
      s += '::';
      i += bestLen - 1;
      continue;
    }
    if (s !== '' && !s.endsWith(':')) s += ':';
    s += w[i].toString(16);
  }
  if (dotted) s += `${s.endsWith(':') ? '' : ':'}${w[6] >> 8}.${w[6] & 255}.${w[7] >> 8}.${w[7] & 255}`;
  return s;
}

export function ipv6At(b: Uint8Array, o: number): Ipv6Address {
  return (BigInt(u32(b, o)) << 96n) | (BigInt(u32(b, o + 4)) << 64n) | (BigInt(u32(b, o + 8)) << 32n) | BigInt(u32(b, o + 12));
}

export function setIpv6(b: Uint8Array, o: number, a: Ipv6Address): void {
  for (let i = 15; i >= 0; i--) {
    b[o + i] = Number(a & 0xffn);
    a >>= 8n;
  }
}

export function isValidIpv6(a: bigint): a is Ipv6Address {
  return a >= 0n && a <= MAX;
}

/** Accepts an IPv6 address as text or number, the way builders and the CLI take it. */
export function toIpv6(a: Ipv6Address | string): Ipv6Address {
  if (typeof a === 'string') return parseIpv6(a);
  if (!isValidIpv6(a)) throw new FrameError('bad-address', 'ipv6', 0, `${a} is not a 128-bit IPv6 address`);
  return a;
}

export const IPV6_ANY: Ipv6Address = 0n;
export const IPV6_LOOPBACK: Ipv6Address = 1n;

export function isMulticastIpv6(a: Ipv6Address): boolean {
  return a >> 120n === 0xffn;
}

export function isLinkLocalIpv6(a: Ipv6Address): boolean {
  return a >> 118n === 0x3fan;
}

/** The solicited-node multicast group of an address (RFC 4291 §2.7.1): ff02::1:ffXX:XXXX. */
export function solicitedNodeIpv6(a: Ipv6Address): Ipv6Address {
  return 0xff02_0000_0000_0000_0000_0001_ff00_0000n | (a & 0xff_ffffn);
}

/** The multicast MAC an IPv6 group maps to (RFC 2464: 33:33 + low 32 bits). */
export function ipv6MulticastMac(a: Ipv6Address): number {
  return 0x3333_0000_0000 + Number(a & 0xffff_ffffn);
}

/** The modified EUI-64 link-local address a MAC gives (RFC 4291 appendix A), fe80::/64 based. */
export function linkLocalFromMac(mac: number): Ipv6Address {
  const hi = Math.floor(mac / 0x100_0000) ^ 0x02_0000;
  const lo = mac % 0x100_0000;
  const iid = (BigInt(hi) << 40n) | (0xfffen << 24n) | BigInt(lo);
  return (0xfe80n << 112n) | iid;
}
