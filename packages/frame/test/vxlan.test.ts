import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dissect, fieldMap, fromHex, VXLAN_PORT, Vxlan, VxlanHeader, type VxlanRepr } from '../src/index.js';

// scapy: VXLAN(vni=0xabcdef, flags=0x08)
const HEADER = fromHex('08000000 abcdef 00');

// scapy: Ether()/IP(src='10.0.0.1', dst='10.0.0.2')/UDP(sport=4789, dport=4789, chksum=0)/VXLAN(vni=42)
//        /Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')/IP(src='192.168.0.1', dst='192.168.0.2')/ICMP(id=1, seq=1)
const OUTER = '000000000002 000000000001 0800 4500004e000100004011669c0a0000010a000002 12b512b5003a0000';
const INNER = '020000000002 020000000001 0800 4500001c000100004001f98cc0a80001c0a80002 0800f7fd00010001';
const TUNNELLED = fromHex(`${OUTER} 0800000000002a00 ${INNER}`);

describe('VXLAN', () => {
  it('deconstructs', () => {
    const h = VxlanHeader.checked(HEADER);
    expect([h.flags, h.vniValid, h.vni, h.payloadOffset]).toEqual([0x08, true, 0xabcdef, 8]);
    expect(VXLAN_PORT).toBe(4789);
  });

  it('constructs through setters', () => {
    const buf = new Uint8Array(8);
    const h = new VxlanHeader(buf);
    h.flags = 0x08;
    h.vni = 0xabcdef;
    expect(buf).toEqual(HEADER);
  });

  it('parses, leaving out the flags when they are just the I flag', () => {
    expect(Vxlan.parse(HEADER)).toEqual({ vni: 0xabcdef });
    expect(Vxlan.parse(TUNNELLED, 42)).toEqual({ vni: 42 });
    expect(Vxlan.parse(fromHex('0c01abcd00002a77'))).toEqual({ vni: 42, flags: 0x0c });
  });

  it('emits', () => {
    const out = new Uint8Array(8).fill(0xff);
    expect(Vxlan.emit({ vni: 0xabcdef }, out)).toBe(8);
    expect(out).toEqual(HEADER);
    Vxlan.emit({ vni: 1, flags: 0 }, out);
    expect(out).toEqual(fromHex('0000000000000100'));
  });

  it('refuses a short header and a VNI beyond 24 bits', () => {
    expect(() => Vxlan.parse(HEADER.subarray(0, 7))).toThrow(expect.objectContaining({ code: 'truncated', layer: 'vxlan' }));
    expect(() => Vxlan.emit({ vni: 1 << 24 }, new Uint8Array(8))).toThrow(expect.objectContaining({ code: 'bad-value' }));
  });

  it('round-trips every repr', () => {
    const repr: fc.Arbitrary<VxlanRepr> = fc.oneof(
      fc.record({ vni: fc.integer({ min: 0, max: 0xff_ffff }) }),
      fc.record({ vni: fc.integer({ min: 0, max: 0xff_ffff }), flags: fc.integer({ min: 0, max: 0xff }).filter((f) => f !== 0x08) }),
    );
    fc.assert(
      fc.property(repr, (r) => {
        const buf = new Uint8Array(Vxlan.bufferLen(r));
        Vxlan.emit(r, buf);
        expect(Vxlan.parse(buf)).toEqual(r);
      }),
    );
  });
});

describe('VXLAN dissector', () => {
  it('names the header as Wireshark does and dissects the inner frame', () => {
    const d = dissect(TUNNELLED);
    expect(d.error).toBeUndefined();
    expect(d.layers.map((l) => l.protocol)).toEqual(['eth', 'ip', 'udp', 'vxlan', 'eth', 'ip', 'icmp']);
    const f = fieldMap(d);
    expect(f).toMatchObject({
      'vxlan.flags': '0x0800',
      'vxlan.flag_g': false,
      'vxlan.flag_i': true,
      'vxlan.flag_d': false,
      'vxlan.flag_a': false,
      'vxlan.flags_reserved': '0x0000',
      'vxlan.gbp': 0,
      'vxlan.vni': 42,
      'vxlan.reserved8': 0,
    });
    expect(f['eth.src']).toEqual(['00:00:00:00:00:01', '02:00:00:00:00:01']);
  });

  it('puts the tunnel in front of the inner summary', () => {
    expect(dissect(TUNNELLED).summary).toBe(
      'IP 10.0.0.1.4789 > 10.0.0.2.4789: VXLAN, vni 42: IP 192.168.0.1 > 192.168.0.2: ICMP echo request, id 1, seq 1, length 8',
    );
    const empty = dissect(fromHex(`${OUTER.replace('4500004e', '45000024').replace('003a0000', '00100000')} 0800000000002a00`));
    expect(empty.summary).toBe('IP 10.0.0.1.4789 > 10.0.0.2.4789: VXLAN, vni 42');
  });

  it('shows the reserved and Group Policy bits', () => {
    const frame = TUNNELLED.slice();
    frame.set(fromHex('0c01abcd00002a77'), 42);
    expect(fieldMap(dissect(frame))).toMatchObject({
      'vxlan.flags': '0x0c01',
      'vxlan.flag_i': true,
      'vxlan.flags_reserved': '0x0401',
      'vxlan.gbp': 43981,
      'vxlan.reserved8': 119,
    });
  });
});
