import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dissect,
  FrameError,
  fieldMap,
  fromHex,
  IPV6_MALFORMED,
  IPV6_NO_UPPER_LAYER,
  IpProtocol,
  Ipv6,
  Ipv6DestOptions,
  Ipv6ExtHeader,
  Ipv6Fragment,
  Ipv6HopByHop,
  type Ipv6Option,
  type Ipv6OptionsRepr,
  Ipv6Packet,
  type Ipv6Repr,
  Ipv6Routing,
  ipv6PadOptions,
  ipv6UpperLayer,
  parseIpv6,
  toHex,
} from '../src/index.js';

// Bytes from scapy; field values checked against tshark 4.0 on the same frames.
// IPv6(src=fe80::1, dst=ff02::1, tc=0xb9, fl=0x12345, hlim=64, nh=17, plen=10)
const HEADER = fromHex('6b912345 000a 11 40 fe800000000000000000000000000001 ff020000000000000000000000000001');
const HEADER_REPR: Ipv6Repr = {
  trafficClass: 0xb9,
  flowLabel: 0x12345,
  nextHeader: IpProtocol.UDP,
  hopLimit: 64,
  src: parseIpv6('fe80::1'),
  dst: parseIpv6('ff02::1'),
  payloadLen: 10,
};
// IPv6ExtHdrHopByHop(nh=58, options=[RouterAlert(value=0), PadN(optdata=b'')])
const HOP_BY_HOP = fromHex('3a00 0502 0000 0100');
// IPv6ExtHdrDestOpt(nh=6, options=[Pad1(), Pad1(), experimental 0x1e 'ab', PadN(''), PadN(4 zeros)])
const DEST_OPTIONS = fromHex('0601 00 00 1e026162 0100 010400000000');
// IPv6ExtHdrFragment(nh=17, offset=185, m=1, id=0x12345678)
const FRAGMENT = fromHex('1100 05c9 12345678');
// IPv6ExtHdrRouting(nh=17, type=0, addresses=[2001:db8::3], segleft=1)
const ROUTING = fromHex('11020001 00000000 20010db8000000000000000000000003');

const ETH6 = '333300000001 020000000001 86dd';
// Ether()/IPv6(2001:db8::1 > 2001:db8::2)/HopByHop(RouterAlert)/Routing(type 0)/Fragment(offset 0, M, id 7)/DestOpt(PadN)/UDP(1 > 2)/b'xyz'
const CHAIN = fromHex(
  `${ETH6} 60000000003b0040 20010db8000000000000000000000001 20010db8000000000000000000000002` +
    '2b00050200000100 2c0200010000000020010db8000000000000000000000003 3c00000100000007 1100010400000000' +
    '0001 0002 000b b1e5 78797a',
);

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('IPv6 header', () => {
  it('deconstructs', () => {
    const p = Ipv6Packet.checked(fromHex(`${toHex(HEADER)}03e807d0000a8e336869`));
    expect([p.version, p.trafficClass, p.dscp, p.ecn, p.flowLabel]).toEqual([6, 0xb9, 46, 1, 0x12345]);
    expect([p.payloadLen, p.nextHeader, p.hopLimit]).toEqual([10, 17, 64]);
    expect(p.src).toBe(parseIpv6('fe80::1'));
    expect(p.dst).toBe(parseIpv6('ff02::1'));
    expect(p.payloadOffset).toBe(40);
    expect(p.payload()).toEqual(fromHex('03e807d0000a8e336869'));
    const words = new Uint32Array(8);
    p.srcWords(words, 0);
    p.dstWords(words, 4);
    expect([...words]).toEqual([0xfe80_0000, 0, 0, 1, 0xff02_0000, 0, 0, 1]);
  });

  it('constructs through setters', () => {
    const buf = new Uint8Array(40);
    buf[0] = 0x60;
    const p = new Ipv6Packet(buf);
    p.trafficClass = 0xb9;
    p.flowLabel = 0x12345;
    p.payloadLen = 10;
    p.nextHeader = IpProtocol.UDP;
    p.hopLimit = 64;
    p.src = parseIpv6('fe80::1');
    p.dst = parseIpv6('ff02::1');
    expect(buf).toEqual(HEADER);
  });

  it('parses', () => {
    expect(Ipv6.parse(fromHex(`${toHex(HEADER)}${'00'.repeat(10)}`))).toEqual(HEADER_REPR);
  });

  it('emits', () => {
    const out = new Uint8Array(Ipv6.bufferLen(HEADER_REPR));
    expect(Ipv6.emit(HEADER_REPR, out)).toBe(40);
    expect(out).toEqual(HEADER);
  });

  it('refuses another version, a short header and a payload that is not there', () => {
    const v4 = HEADER.slice();
    v4[0] = 0x45;
    expect(thrown(() => Ipv6.parse(v4))).toMatchObject({ code: 'bad-version', layer: 'ipv6', offset: 0 });
    expect(thrown(() => Ipv6.parse(HEADER.subarray(0, 39)))).toMatchObject({ code: 'truncated', layer: 'ipv6' });
    expect(thrown(() => Ipv6.parse(HEADER))).toMatchObject({ code: 'truncated', layer: 'ipv6' });
  });

  it('refuses to emit a flow label or payload length that does not fit', () => {
    expect(thrown(() => Ipv6.emit({ ...HEADER_REPR, flowLabel: 0x100000 }, new Uint8Array(40)))).toMatchObject({ code: 'bad-value' });
    expect(thrown(() => Ipv6.emit({ ...HEADER_REPR, payloadLen: 0x10000 }, new Uint8Array(40)))).toMatchObject({ code: 'bad-value' });
  });

  it('round-trips any repr', () => {
    const repr = fc.record({
      trafficClass: fc.integer({ min: 0, max: 255 }),
      flowLabel: fc.integer({ min: 0, max: 0xfffff }),
      nextHeader: fc.integer({ min: 0, max: 255 }),
      hopLimit: fc.integer({ min: 0, max: 255 }),
      src: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
      dst: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
      payloadLen: fc.integer({ min: 0, max: 64 }),
    });
    fc.assert(
      fc.property(repr, (r) => {
        const buf = new Uint8Array(40 + r.payloadLen);
        Ipv6.emit(r, buf);
        expect(Ipv6.parse(buf)).toEqual(r);
      }),
    );
  });
});

describe('IPv6 extension headers', () => {
  it('deconstructs each kind', () => {
    const hbh = Ipv6ExtHeader.checked(HOP_BY_HOP, 0, IpProtocol.HopByHop);
    expect([hbh.nextHeader, hbh.lengthField, hbh.headerLen]).toEqual([58, 0, 8]);
    const rt = Ipv6ExtHeader.checked(ROUTING, 0, IpProtocol.IPv6Route);
    expect([rt.nextHeader, rt.headerLen, rt.routingType, rt.segmentsLeft]).toEqual([17, 24, 0, 1]);
    const fr = Ipv6ExtHeader.checked(FRAGMENT, 0, IpProtocol.IPv6Frag);
    expect([fr.nextHeader, fr.headerLen, fr.fragmentOffset, fr.moreFragments, fr.identification]).toEqual([17, 8, 1480, true, 0x12345678]);
  });

  it('parses each kind', () => {
    expect(Ipv6HopByHop.parse(HOP_BY_HOP)).toEqual({
      nextHeader: 58,
      options: [
        { kind: 'raw', type: 5, data: fromHex('0000') },
        { kind: 'padn', length: 0 },
      ],
    });
    expect(Ipv6DestOptions.parse(DEST_OPTIONS)).toEqual({
      nextHeader: 6,
      options: [
        { kind: 'pad1' },
        { kind: 'pad1' },
        { kind: 'raw', type: 0x1e, data: fromHex('6162') },
        { kind: 'padn', length: 0 },
        { kind: 'padn', length: 4 },
      ],
    });
    expect(Ipv6Fragment.parse(FRAGMENT)).toEqual({ nextHeader: 17, fragmentOffset: 1480, moreFragments: true, identification: 0x12345678 });
    expect(Ipv6Routing.parse(ROUTING)).toEqual({ nextHeader: 17, routingType: 0, segmentsLeft: 1, data: ROUTING.subarray(4) });
  });

  it('emits each kind', () => {
    const out = new Uint8Array(24);
    const hbh: Ipv6OptionsRepr = { nextHeader: 58, options: ipv6PadOptions([{ kind: 'raw', type: 5, data: fromHex('0000') }]) };
    expect(Ipv6HopByHop.emit(hbh, out)).toBe(8);
    expect(out.subarray(0, 8)).toEqual(HOP_BY_HOP);
    expect(Ipv6Fragment.emit({ nextHeader: 17, fragmentOffset: 1480, moreFragments: true, identification: 0x12345678 }, out)).toBe(8);
    expect(out.subarray(0, 8)).toEqual(FRAGMENT);
    expect(Ipv6Routing.emit({ nextHeader: 17, routingType: 0, segmentsLeft: 1, data: ROUTING.subarray(4) }, out)).toBe(24);
    expect(out).toEqual(ROUTING);
  });

  it('pads options with Pad1 or PadN', () => {
    const ra: Ipv6Option = { kind: 'raw', type: 5, data: fromHex('0000') };
    expect(ipv6PadOptions([ra])).toEqual([ra, { kind: 'padn', length: 0 }]);
    const experimental: Ipv6Option = { kind: 'raw', type: 0x1e, data: fromHex('010203') };
    expect(ipv6PadOptions([experimental])).toEqual([experimental, { kind: 'pad1' }]);
    expect(ipv6PadOptions([ra, experimental])).toEqual([ra, experimental, { kind: 'padn', length: 3 }]);
    expect(ipv6PadOptions([{ kind: 'padn', length: 4 }])).toEqual([{ kind: 'padn', length: 4 }]);
  });

  it('refuses unpadded options, bad lengths and overrunning options', () => {
    expect(thrown(() => Ipv6HopByHop.emit({ nextHeader: 6, options: [] }, new Uint8Array(8)))).toMatchObject({
      code: 'bad-value',
      layer: 'ipv6.hopopts',
    });
    expect(
      thrown(() => Ipv6Routing.emit({ nextHeader: 6, routingType: 0, segmentsLeft: 0, data: new Uint8Array(3) }, new Uint8Array(8))),
    ).toMatchObject({
      code: 'bad-value',
      layer: 'ipv6.routing',
    });
    expect(
      thrown(() => Ipv6Fragment.emit({ nextHeader: 6, fragmentOffset: 12, moreFragments: false, identification: 0 }, new Uint8Array(8))),
    ).toMatchObject({ code: 'bad-value', layer: 'ipv6.fraghdr' });
    // An option claiming 9 data bytes in an 8-byte header.
    expect(thrown(() => Ipv6DestOptions.parse(fromHex('3b00 0109 00000000')))).toMatchObject({
      code: 'bad-value',
      layer: 'ipv6.dstopts',
      offset: 3,
    });
    // A length byte promising 16 bytes where 8 are.
    expect(thrown(() => Ipv6HopByHop.parse(fromHex('3b01 01040000 0000')))).toMatchObject({ code: 'truncated', layer: 'ipv6.hopopts' });
    expect(thrown(() => Ipv6ExtHeader.checked(FRAGMENT, 0, IpProtocol.UDP))).toMatchObject({ code: 'unsupported' });
  });

  it('round-trips any options header', () => {
    const option: fc.Arbitrary<Ipv6Option> = fc.oneof(
      fc.constant({ kind: 'pad1' as const }),
      fc.record({ kind: fc.constant('padn' as const), length: fc.integer({ min: 0, max: 12 }) }),
      fc.record({
        kind: fc.constant('raw' as const),
        type: fc.integer({ min: 2, max: 255 }),
        data: fc.uint8Array({ maxLength: 20 }),
      }),
    );
    const repr = fc.record({
      nextHeader: fc.integer({ min: 0, max: 255 }),
      options: fc.array(option, { maxLength: 6 }).map(ipv6PadOptions),
    });
    fc.assert(
      fc.property(repr, fc.boolean(), (r, hopByHop) => {
        const codec = hopByHop ? Ipv6HopByHop : Ipv6DestOptions;
        const buf = new Uint8Array(codec.bufferLen(r));
        codec.emit(r, buf);
        expect(codec.parse(buf)).toEqual(r);
      }),
    );
  });

  it('round-trips any routing and fragment header', () => {
    const u8 = fc.integer({ min: 0, max: 255 });
    const routing = fc.record({
      nextHeader: u8,
      routingType: u8,
      segmentsLeft: u8,
      data: fc.integer({ min: 0, max: 6 }).chain((n) => fc.uint8Array({ minLength: 4 + 8 * n, maxLength: 4 + 8 * n })),
    });
    fc.assert(
      fc.property(routing, (r) => {
        const buf = new Uint8Array(Ipv6Routing.bufferLen(r));
        Ipv6Routing.emit(r, buf);
        expect(Ipv6Routing.parse(buf)).toEqual(r);
      }),
    );
    const fragment = fc.record({
      nextHeader: u8,
      fragmentOffset: fc.integer({ min: 0, max: 0x1fff }).map((n) => n * 8),
      moreFragments: fc.boolean(),
      identification: fc.integer({ min: 0, max: 0xffff_ffff }),
    });
    fc.assert(
      fc.property(fragment, (r) => {
        const buf = new Uint8Array(8);
        Ipv6Fragment.emit(r, buf);
        expect(Ipv6Fragment.parse(buf)).toEqual(r);
      }),
    );
  });
});

describe('ipv6UpperLayer', () => {
  const out = new Int32Array(2);

  it('skips a chain of extension headers to the transport header', () => {
    expect(ipv6UpperLayer(CHAIN, 14, CHAIN.length, out)).toBe(IpProtocol.UDP);
    expect(out[0]).toBe(14 + 40 + 8 + 24 + 8 + 8);
    expect(out[1]).toBe(14 + 40 + 8 + 24);
  });

  it('reports an unfragmented packet without extension headers', () => {
    const udp = fromHex(`${ETH6} ${toHex(HEADER)} 03e807d0000a8e336869`);
    expect(ipv6UpperLayer(udp, 14, udp.length, out)).toBe(IpProtocol.UDP);
    expect([out[0], out[1]]).toEqual([54, -1]);
  });

  it('finds no upper layer in a later fragment', () => {
    // IPv6()/IPv6ExtHdrFragment(nh=17, offset=3, m=0, id=0x12345678)/b'y'*8
    const later = fromHex(
      `${ETH6} 6000000000102c40 ${'20010db8000000000000000000000001'} ${'20010db8000000000000000000000002'} 1100001812345678 7979797979797979`,
    );
    expect(ipv6UpperLayer(later, 14, later.length, out)).toBe(IPV6_NO_UPPER_LAYER);
    expect([out[0], out[1]]).toEqual([62, 54]);
  });

  it('reports truncated and endless chains as malformed', () => {
    expect(ipv6UpperLayer(CHAIN, 14, CHAIN.length - 20, out)).toBe(IPV6_MALFORMED);
    const loop = new Uint8Array(40 + 8 * 20);
    loop[0] = 0x60;
    loop[6] = IpProtocol.IPv6Opts;
    for (let i = 40; i < loop.length; i += 8) loop[i] = IpProtocol.IPv6Opts;
    expect(ipv6UpperLayer(loop, 0, loop.length, out)).toBe(IPV6_MALFORMED);
    expect(ipv6UpperLayer(CHAIN, 14, CHAIN.length + 1, out)).toBe(IPV6_MALFORMED);
  });

  it('never reads outside the packet', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 40, maxLength: 120 }), (bytes) => {
        bytes[0] = 0x60;
        const r = ipv6UpperLayer(bytes, 0, bytes.length, out);
        if (r >= 0 || r === IPV6_NO_UPPER_LAYER) expect(out[0]).toBeLessThanOrEqual(bytes.length);
        else expect(r).toBe(IPV6_MALFORMED);
      }),
    );
  });
});

describe('IPv6 dissector', () => {
  it('names the fixed header as tshark does', () => {
    const d = dissect(fromHex(`${ETH6} ${toHex(HEADER)} 03e807d0000a8e336869`));
    expect(d.error).toBeUndefined();
    expect(d.layers.map((l) => l.protocol)).toEqual(['eth', 'ipv6', 'udp']);
    expect(fieldMap(d)).toMatchObject({
      'ipv6.version': 6,
      'ip.version': 6,
      'ipv6.tclass': '0x000000b9',
      'ipv6.tclass.dscp': 46,
      'ipv6.tclass.ecn': 1,
      'ipv6.flow': '0x012345',
      'ipv6.plen': 10,
      'ipv6.nxt': 17,
      'ipv6.hlim': 64,
      'ipv6.src': 'fe80::1',
      'ipv6.dst': 'ff02::1',
    });
    expect(d.summary).toBe('IP6 fe80::1.1000 > ff02::1.2000: UDP, length 2');
  });

  it('names every extension header of a chain', () => {
    const d = dissect(CHAIN);
    expect(d.error).toBeUndefined();
    // The fragment header says more fragments follow: as in Wireshark, UDP's payload is then data.
    expect(d.layers.map((l) => l.protocol)).toEqual(['eth', 'ipv6', 'udp', 'data']);
    expect(fieldMap(d)).toMatchObject({
      'ipv6.hopopts.nxt': 43,
      'ipv6.hopopts.len': 0,
      'ipv6.hopopts.len_oct': 8,
      'ipv6.opt.type': ['0x05', '0x01', '0x01'],
      'ipv6.opt.type.action': [0, 0, 0],
      'ipv6.opt.type.change': [false, false, false],
      'ipv6.opt.type.rest': ['0x05', '0x01', '0x01'],
      'ipv6.opt.length': [2, 0, 4],
      'ipv6.opt.router_alert': 0,
      'ipv6.opt.padn': ['', '00:00:00:00'],
      'ipv6.routing.nxt': 44,
      'ipv6.routing.len': 2,
      'ipv6.routing.len_oct': 24,
      'ipv6.routing.type': 0,
      'ipv6.routing.segleft': 1,
      'ipv6.routing.src.reserved': '00:00:00:00',
      'ipv6.routing.src.addr': '2001:db8::3',
      'ipv6.fraghdr.nxt': 60,
      'ipv6.fraghdr.reserved_octet': '0x00',
      'ipv6.fraghdr.offset': 0,
      'ipv6.fraghdr.reserved_bits': 0,
      'ipv6.fraghdr.more': true,
      'ipv6.fraghdr.ident': '0x00000007',
      'ipv6.dstopts.nxt': 17,
      'ipv6.dstopts.len': 0,
      'ipv6.dstopts.len_oct': 8,
    });
    expect(d.summary).toBe('IP6 2001:db8::1.1 > 2001:db8::2.2: UDP, length 3');
  });

  it('hands a later fragment over as data', () => {
    const d = dissect(
      fromHex(
        `${ETH6} 6000000000102c40 20010db8000000000000000000000001 20010db8000000000000000000000002 1100001812345678 7979797979797979`,
      ),
    );
    expect(d.layers.map((l) => l.protocol)).toEqual(['eth', 'ipv6', 'data']);
    expect(fieldMap(d)).toMatchObject({ 'ipv6.fraghdr.offset': 3, 'ipv6.fraghdr.more': false, 'data.len': 8 });
    expect(d.summary).toBe('IP6 2001:db8::1 > 2001:db8::2: ip-proto-17 8 (frag 305419896:8@24)');
  });

  it('shows what follows No Next Header as data', () => {
    const d = dissect(fromHex(`${ETH6} 60000000 0004 3b 40 20010db8000000000000000000000001 20010db8000000000000000000000002 61626364`));
    expect(fieldMap(d)).toMatchObject({ 'ipv6.nxt': 59, 'data.data': '61:62:63:64' });
    expect(d.summary).toBe('IP6 2001:db8::1 > 2001:db8::2: ip-proto-59 4');
  });

  it('keeps the layers before a malformed extension header', () => {
    // A hop-by-hop header whose length byte promises 48 bytes where 4 are.
    const d = dissect(fromHex(`${ETH6} 60000000 0004 00 40 20010db8000000000000000000000001 20010db8000000000000000000000002 11050000`));
    expect(d.error).toMatchObject({ code: 'truncated', layer: 'ipv6.hopopts', offset: 54 });
    expect(fieldMap(d)['ipv6.nxt']).toBe(0);
  });

  it('throws nothing but FrameError, whatever follows the header', () => {
    const base = fromHex(`${ETH6} 60000000 0000 00 40 ${'00'.repeat(32)}`);
    const nextHeader = fc.constantFrom(0, 43, 44, 60, 6, 17, 58, 59);
    fc.assert(
      fc.property(nextHeader, fc.uint8Array({ maxLength: 80 }), (nh, rest) => {
        const frame = new Uint8Array(base.length + rest.length);
        frame.set(base);
        frame.set(rest, base.length);
        frame[14 + 4] = rest.length >> 8;
        frame[14 + 5] = rest.length & 0xff;
        frame[14 + 6] = nh;
        const d = dissect(frame);
        if (d.error) expect(d.error).toBeInstanceOf(FrameError);
      }),
    );
  });
});
