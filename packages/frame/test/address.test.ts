import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FrameError,
  formatIpv4,
  formatIpv6,
  formatMac,
  ipv6MulticastMac,
  isMulticastMac,
  linkLocalFromMac,
  parseCidr,
  parseIpv4,
  parseIpv4Cidr,
  parseIpv6,
  parseMac,
  solicitedNodeIpv6,
} from '../src/index.js';

describe('MAC addresses', () => {
  it('parses the common notations to a 48-bit number', () => {
    expect(parseMac('00:00:00:00:00:01')).toBe(1);
    expect(parseMac('AA-BB-CC-DD-EE-FF')).toBe(0xaabbccddeeff);
    expect(parseMac('0011.2233.4455')).toBe(0x001122334455);
    expect(formatMac(0x0a0b0c0d0e0f)).toBe('0a:0b:0c:0d:0e:0f');
    expect(isMulticastMac(parseMac('01:00:5e:00:00:01'))).toBe(true);
    expect(isMulticastMac(parseMac('02:00:00:00:00:01'))).toBe(false);
  });

  it('round-trips', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffffffff }), (m) => {
        expect(parseMac(formatMac(m))).toBe(m);
      }),
    );
  });

  it('refuses bad text with a typed error', () => {
    for (const bad of ['', '00:00:00:00:00', '00:00:00:00:00:0g', '000:00:00:00:00:01']) {
      expect(() => parseMac(bad)).toThrow(FrameError);
    }
  });
});

describe('IPv4 addresses', () => {
  it('parses and formats', () => {
    expect(parseIpv4('10.0.0.1')).toBe(0x0a000001);
    expect(formatIpv4(0xffffffff)).toBe('255.255.255.255');
  });

  it('round-trips', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (a) => {
        expect(parseIpv4(formatIpv4(a))).toBe(a);
      }),
    );
  });

  it('refuses what is not a dotted quad', () => {
    for (const bad of ['10.0.0', '10.0.0.256', '1.2.3.4.5', '01.2.3.4', 'a.b.c.d', '']) {
      expect(() => parseIpv4(bad), bad).toThrow(expect.objectContaining({ code: 'bad-address' }));
    }
  });
});

describe('IPv6 addresses', () => {
  it('parses every form RFC 4291 allows', () => {
    expect(parseIpv6('::')).toBe(0n);
    expect(parseIpv6('::1')).toBe(1n);
    expect(parseIpv6('fe80::1')).toBe((0xfe80n << 112n) | 1n);
    expect(parseIpv6('2001:DB8:0:0:1:0:0:1')).toBe(parseIpv6('2001:db8::1:0:0:1'));
    expect(parseIpv6('::ffff:10.0.0.1')).toBe(0xffff0a000001n);
  });

  it('formats as RFC 5952 and inet_ntop do', () => {
    expect(formatIpv6(parseIpv6('2001:db8:0:0:1:0:0:1'))).toBe('2001:db8::1:0:0:1');
    expect(formatIpv6(parseIpv6('2001:0db8:0000:0000:0000:0000:0002:0001'))).toBe('2001:db8::2:1');
    expect(formatIpv6(parseIpv6('2001:db8:0:1:1:1:1:1'))).toBe('2001:db8:0:1:1:1:1:1');
    expect(formatIpv6(0xffff0a000001n)).toBe('::ffff:10.0.0.1');
    expect(formatIpv6(1n)).toBe('::1');
    expect(formatIpv6(0n)).toBe('::');
  });

  it('round-trips', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (a) => {
        expect(parseIpv6(formatIpv6(a))).toBe(a);
      }),
    );
  });

  it('refuses malformed text', () => {
    for (const bad of ['1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', 'g::1', ':', '1:2:3:4:5:6:7']) {
      expect(() => parseIpv6(bad), bad).toThrow(FrameError);
    }
  });

  it('derives NDP addresses', () => {
    expect(formatIpv6(solicitedNodeIpv6(parseIpv6('fe80::2aa:ff:fe28:9c5a')))).toBe('ff02::1:ff28:9c5a');
    expect(formatMac(ipv6MulticastMac(parseIpv6('ff02::1:ff28:9c5a')))).toBe('33:33:ff:28:9c:5a');
    expect(formatIpv6(linkLocalFromMac(parseMac('00:aa:00:28:9c:5a')))).toBe('fe80::2aa:ff:fe28:9c5a');
  });
});

describe('CIDR prefixes', () => {
  it('answers the questions routing asks', () => {
    const c = parseIpv4Cidr('10.0.0.1/8');
    expect(formatIpv4(c.network)).toBe('10.0.0.0');
    expect(formatIpv4(c.broadcast)).toBe('10.255.255.255');
    expect(formatIpv4(c.mask)).toBe('255.0.0.0');
    expect(c.contains(parseIpv4('10.200.0.1'))).toBe(true);
    expect(c.contains(parseIpv4('11.0.0.1'))).toBe(false);
    expect(formatIpv4(c.host(3))).toBe('10.0.0.3');
    expect(String(parseCidr('2001:db8::1/64'))).toBe('2001:db8::1/64');
    expect(parseIpv4Cidr('0.0.0.0/0').contains(parseIpv4('1.2.3.4'))).toBe(true);
  });

  it('refuses bad prefixes', () => {
    expect(() => parseCidr('10.0.0.0/33')).toThrow(FrameError);
    expect(() => parseCidr('10.0.0.0/x')).toThrow(FrameError);
    expect(() => parseIpv4Cidr('::/0')).toThrow(FrameError);
  });
});
