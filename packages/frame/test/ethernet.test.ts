import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Ethernet, EthernetFrame, FrameError, fromHex, parseMac, Vlan, VlanTag } from '../src/index.js';

// 00:00:00:00:00:02 ← 00:00:00:00:00:01, 802.1Q tag PCP 5 VID 100, then IPv4.
const TAGGED = fromHex('000000000002 000000000001 8100 a064 0800 45');

describe('Ethernet', () => {
  it('deconstructs', () => {
    const f = EthernetFrame.checked(TAGGED);
    expect(f.dst).toBe(2);
    expect(f.src).toBe(1);
    expect(f.ethertype).toBe(0x8100);
    expect(f.payloadOffset).toBe(14);
  });

  it('constructs through setters', () => {
    const buf = new Uint8Array(14);
    const f = new EthernetFrame(buf);
    f.dst = parseMac('ff:ff:ff:ff:ff:ff');
    f.src = parseMac('02:00:00:00:00:2a');
    f.ethertype = 0x0806;
    expect(buf).toEqual(fromHex('ffffffffffff 02000000002a 0806'));
  });

  it('parses and emits', () => {
    const repr = Ethernet.parse(TAGGED);
    expect(repr).toEqual({ dst: 2, src: 1, ethertype: 0x8100 });
    const out = new Uint8Array(14);
    expect(Ethernet.emit(repr, out)).toBe(14);
    expect(out).toEqual(TAGGED.subarray(0, 14));
  });

  it('round-trips every repr', () => {
    const repr = fc.record({
      dst: fc.integer({ min: 0, max: 0xffffffffffff }),
      src: fc.integer({ min: 0, max: 0xffffffffffff }),
      ethertype: fc.integer({ min: 0, max: 0xffff }),
    });
    fc.assert(
      fc.property(repr, (r) => {
        const buf = new Uint8Array(Ethernet.bufferLen(r));
        Ethernet.emit(r, buf);
        expect(Ethernet.parse(buf)).toEqual(r);
      }),
    );
  });

  it('refuses a truncated header with a typed error', () => {
    const err = (() => {
      try {
        Ethernet.parse(TAGGED.subarray(0, 13));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(FrameError);
    expect(err).toMatchObject({ code: 'truncated', layer: 'eth', offset: 0 });
  });
});

describe('802.1Q tag', () => {
  it('deconstructs', () => {
    const t = VlanTag.checked(TAGGED, 14);
    expect([t.pcp, t.dei, t.vid, t.ethertype]).toEqual([5, false, 100, 0x0800]);
  });

  it('parses and emits', () => {
    const repr = Vlan.parse(TAGGED, 14);
    expect(repr).toEqual({ pcp: 5, dei: false, vid: 100, ethertype: 0x0800 });
    const out = new Uint8Array(4);
    Vlan.emit(repr, out);
    expect(out).toEqual(TAGGED.subarray(14, 18));
  });

  it('round-trips every repr', () => {
    const repr = fc.record({
      pcp: fc.integer({ min: 0, max: 7 }),
      dei: fc.boolean(),
      vid: fc.integer({ min: 0, max: 4095 }),
      ethertype: fc.integer({ min: 0, max: 0xffff }),
    });
    fc.assert(
      fc.property(repr, (r) => {
        const buf = new Uint8Array(Vlan.bufferLen(r));
        Vlan.emit(r, buf);
        expect(Vlan.parse(buf)).toEqual(r);
      }),
    );
  });

  it('refuses a VLAN ID above 4095', () => {
    expect(() => Vlan.emit({ pcp: 0, dei: false, vid: 4096, ethertype: 0x0800 }, new Uint8Array(4))).toThrow(FrameError);
  });
});
