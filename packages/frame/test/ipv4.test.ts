import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameError, fromHex, Ipv4, Ipv4Packet, type Ipv4Repr, parseIpv4 } from '../src/index.js';

// scapy: IP(src='10.0.0.1', dst='10.0.0.2', ttl=64, id=0x1234, flags='DF', tos=0xb9)/UDP(1234→5678)/'hello'
const PACKET = fromHex('45b9002112344000401113dd0a0000010a00000204d2162e000d8cff68656c6c6f');

const REPR: Ipv4Repr = {
  dscp: 46,
  ecn: 1,
  identification: 0x1234,
  reservedFlag: false,
  dontFragment: true,
  moreFragments: false,
  fragmentOffset: 0,
  ttl: 64,
  protocol: 17,
  src: parseIpv4('10.0.0.1'),
  dst: parseIpv4('10.0.0.2'),
  options: new Uint8Array(0),
  payloadLen: 13,
};

describe('IPv4', () => {
  it('deconstructs', () => {
    const p = Ipv4Packet.checked(PACKET);
    expect(p.version).toBe(4);
    expect(p.headerLen).toBe(20);
    expect([p.dscp, p.ecn, p.totalLen, p.identification, p.dontFragment, p.ttl, p.protocol]).toEqual([46, 1, 33, 0x1234, true, 64, 17]);
    expect(p.checksum).toBe(0x13dd);
    expect(p.verifyChecksum()).toBe(true);
    expect(p.src).toBe(0x0a000001);
    expect(p.payload()).toEqual(PACKET.subarray(20));
  });

  it('constructs through setters and refills the checksum', () => {
    const copy = PACKET.slice();
    const p = new Ipv4Packet(copy);
    p.ttl = 63;
    expect(p.verifyChecksum()).toBe(false);
    p.fillChecksum();
    expect(p.verifyChecksum()).toBe(true);
  });

  it('parses', () => {
    expect(Ipv4.parse(PACKET)).toEqual(REPR);
  });

  it('emits', () => {
    const out = new Uint8Array(20);
    expect(Ipv4.emit(REPR, out)).toBe(20);
    expect(out).toEqual(PACKET.subarray(0, 20));
  });

  it('ignores Ethernet padding beyond the total length', () => {
    const padded = new Uint8Array(60);
    padded.set(PACKET);
    expect(Ipv4Packet.checked(padded).payload().length).toBe(13);
  });

  it('refuses bad input with typed errors', () => {
    const code = (bytes: Uint8Array) => {
      try {
        Ipv4.parse(bytes);
        return 'ok';
      } catch (e) {
        expect(e).toBeInstanceOf(FrameError);
        return (e as FrameError).code;
      }
    };
    expect(code(PACKET.subarray(0, 19))).toBe('truncated');
    expect(code(PACKET.subarray(0, 30))).toBe('truncated');
    const v6 = PACKET.slice();
    v6[0] = 0x65;
    expect(code(v6)).toBe('bad-version');
    const shortIhl = PACKET.slice();
    shortIhl[0] = 0x44;
    expect(code(shortIhl)).toBe('bad-length');
    const badSum = PACKET.slice();
    badSum[11] ^= 1;
    expect(code(badSum)).toBe('bad-checksum');
    expect(Ipv4.parse(badSum, 0, 'trust').ttl).toBe(64);
  });

  it('round-trips every repr', () => {
    const repr = fc.record({
      dscp: fc.integer({ min: 0, max: 63 }),
      ecn: fc.integer({ min: 0, max: 3 }),
      identification: fc.integer({ min: 0, max: 0xffff }),
      reservedFlag: fc.boolean(),
      dontFragment: fc.boolean(),
      moreFragments: fc.boolean(),
      fragmentOffset: fc.integer({ min: 0, max: 0x1fff }).map((x) => x * 8),
      ttl: fc.integer({ min: 0, max: 255 }),
      protocol: fc.integer({ min: 0, max: 255 }),
      src: fc.integer({ min: 0, max: 0xffffffff }),
      dst: fc.integer({ min: 0, max: 0xffffffff }),
      options: fc.integer({ min: 0, max: 10 }).chain((n) => fc.uint8Array({ minLength: 4 * n, maxLength: 4 * n })),
      payloadLen: fc.integer({ min: 0, max: 1000 }),
    });
    fc.assert(
      fc.property(repr, (r) => {
        const buf = new Uint8Array(Ipv4.bufferLen(r) + r.payloadLen);
        Ipv4.emit(r, buf);
        expect(Ipv4.parse(buf)).toEqual(r);
      }),
    );
  });
});
