import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameError, fromHex, pseudoHeaderSum4, Udp, UdpDatagram, type UdpRepr } from '../src/index.js';

// scapy: IP(src='10.0.0.1', dst='10.0.0.2')/UDP(sport=1234, dport=5678)/'hello'
const DATAGRAM = fromHex('04d2162e000d8cff68656c6c6f');
const PSEUDO = pseudoHeaderSum4(0x0a000001, 0x0a000002, 17, DATAGRAM.length);

describe('UDP', () => {
  it('deconstructs', () => {
    const d = UdpDatagram.checked(DATAGRAM);
    expect([d.srcPort, d.dstPort, d.length, d.checksum]).toEqual([1234, 5678, 13, 0x8cff]);
    expect(new TextDecoder().decode(d.payload())).toBe('hello');
  });

  it('constructs through setters', () => {
    const buf = DATAGRAM.slice();
    const d = new UdpDatagram(buf);
    d.dstPort = 53;
    expect(buf.subarray(2, 4)).toEqual(fromHex('0035'));
  });

  it('parses, verifying the checksum against the pseudo-header', () => {
    expect(Udp.parse(DATAGRAM, 0, { pseudoSum: PSEUDO, check: 'verify' })).toEqual({ srcPort: 1234, dstPort: 5678, payloadLen: 5 });
    const bad = DATAGRAM.slice();
    bad[12] ^= 0x20;
    expect(() => Udp.parse(bad, 0, { pseudoSum: PSEUDO, check: 'verify' })).toThrow(FrameError);
    expect(Udp.parse(bad, 0, { pseudoSum: PSEUDO, check: 'trust' }).payloadLen).toBe(5);
  });

  it('emits with computed, partial and no checksum', () => {
    const buf = DATAGRAM.slice();
    buf.fill(0, 0, 8);
    Udp.emit({ srcPort: 1234, dstPort: 5678, payloadLen: 5 }, buf, 0, { pseudoSum: PSEUDO, mode: 'compute' });
    expect(buf).toEqual(DATAGRAM);
    Udp.emit({ srcPort: 1234, dstPort: 5678, payloadLen: 5 }, buf, 0, { pseudoSum: PSEUDO, mode: 'none' });
    expect(new UdpDatagram(buf).checksum).toBe(0);
    Udp.emit({ srcPort: 1234, dstPort: 5678, payloadLen: 5 }, buf, 0, { pseudoSum: PSEUDO, mode: 'partial' });
    // Linux CHECKSUM_PARTIAL: the folded pseudo-header sum, which a NIC completes.
    expect(new UdpDatagram(buf).checksum).toBe(PSEUDO % 0xffff);
  });

  it('refuses a length field that does not fit', () => {
    const short = fromHex('04d2162e0007 0000');
    expect(() => UdpDatagram.checked(short)).toThrow(expect.objectContaining({ code: 'bad-length' }));
    expect(() => UdpDatagram.checked(DATAGRAM.subarray(0, 12))).toThrow(expect.objectContaining({ code: 'truncated' }));
  });

  it('round-trips every repr', () => {
    const repr = fc.record({
      srcPort: fc.integer({ min: 0, max: 0xffff }),
      dstPort: fc.integer({ min: 0, max: 0xffff }),
      payloadLen: fc.integer({ min: 0, max: 2000 }),
    });
    fc.assert(
      fc.property(repr, fc.integer({ min: 0, max: 0xfffff }), (r: UdpRepr, pseudoSum) => {
        const buf = new Uint8Array(8 + r.payloadLen);
        Udp.emit(r, buf, 0, { pseudoSum, mode: 'compute' });
        expect(Udp.parse(buf, 0, { pseudoSum, check: 'verify' })).toEqual(r);
      }),
    );
  });
});
