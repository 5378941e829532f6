import { FrameError } from '../errors.js';
import { formatIpv4, type Ipv4Address, parseIpv4 } from './ipv4.js';
import { formatIpv6, type Ipv6Address, parseIpv6 } from './ipv6.js';

/** An IPv4 prefix such as 10.0.0.0/8. `address` may carry host bits (10.0.0.1/8 is an interface). */
export class Ipv4Cidr {
  readonly family = 4 as const;

  constructor(
    readonly address: Ipv4Address,
    readonly length: number,
  ) {
    if (!Number.isInteger(length) || length < 0 || length > 32) {
      throw new FrameError('bad-address', 'cidr', 0, `prefix length ${length} is outside 0-32 for IPv4`);
    }
  }

  get mask(): Ipv4Address {
    return this.length === 0 ? 0 : (0xffff_ffff << (32 - this.length)) >>> 0;
  }

  get network(): Ipv4Address {
    return (this.address & this.mask) >>> 0;
  }

  get broadcast(): Ipv4Address {
    return (this.network | ~this.mask) >>> 0;
  }

  contains(a: Ipv4Address): boolean {
    return (a & this.mask) >>> 0 === this.network;
  }

  /** The n-th address of the prefix (Mininet gives host N the address network + N). */
  host(n: number): Ipv4Address {
    const size = 2 ** (32 - this.length);
    if (!Number.isInteger(n) || n < 1 || n >= size - (this.length < 31 ? 1 : 0)) {
      throw new FrameError('bad-address', 'cidr', 0, `${this} has no host number ${n}`);
    }
    return this.network + n;
  }

  toString(): string {
    return `${formatIpv4(this.address)}/${this.length}`;
  }
}

/** An IPv6 prefix such as 2001:db8::/32. */
export class Ipv6Cidr {
  readonly family = 6 as const;

  constructor(
    readonly address: Ipv6Address,
    readonly length: number,
  ) {
    if (!Number.isInteger(length) || length < 0 || length > 128) {
      throw new FrameError('bad-address', 'cidr', 0, `prefix length ${length} is outside 0-128 for IPv6`);
    }
  }

  get mask(): Ipv6Address {
    return ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - this.length)) - 1n);
  }

  get network(): Ipv6Address {
    return this.address & this.mask;
  }

  contains(a: Ipv6Address): boolean {
    return (a & this.mask) === this.network;
  }

  toString(): string {
    return `${formatIpv6(this.address)}/${this.length}`;
  }
}

export type Cidr = Ipv4Cidr | Ipv6Cidr;

/** Parses `10.0.0.1/8` or `2001:db8::1/64`; an address without `/len` is a host prefix. */
export function parseCidr(text: string): Cidr {
  const t = text.trim();
  const slash = t.indexOf('/');
  const addr = slash < 0 ? t : t.slice(0, slash);
  const lenText = slash < 0 ? undefined : t.slice(slash + 1);
  if (lenText !== undefined && !/^\d{1,3}$/.test(lenText)) {
    throw new FrameError('bad-address', 'cidr', 0, `"${text}" has no valid prefix length; write it like 10.0.0.0/8`);
  }
  if (addr.includes(':')) return new Ipv6Cidr(parseIpv6(addr), lenText === undefined ? 128 : Number(lenText));
  return new Ipv4Cidr(parseIpv4(addr), lenText === undefined ? 32 : Number(lenText));
}

export function parseIpv4Cidr(text: string): Ipv4Cidr {
  const c = parseCidr(text);
  if (c.family !== 4) throw new FrameError('bad-address', 'cidr', 0, `"${text}" is an IPv6 prefix; an IPv4 one is needed here`);
  return c;
}

export function parseIpv6Cidr(text: string): Ipv6Cidr {
  const c = parseCidr(text);
  if (c.family !== 6) throw new FrameError('bad-address', 'cidr', 0, `"${text}" is an IPv4 prefix; an IPv6 one is needed here`);
  return c;
}
