import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dissect,
  FrameError,
  fieldMap,
  fromHex,
  Icmpv6,
  Icmpv6Packet,
  type Icmpv6Repr,
  type NdpOption,
  parseIpv6,
  pseudoHeaderSum6,
  walkNdpOptions,
} from '../src/index.js';

// Frames built with scapy: Ether()/IPv6()/ICMPv6…; the ICMPv6 message starts at byte 54.
const ETH = '000000000002 000000000001 86dd';
const LL1 = 'fe800000000000000000000000000001';
const LL2 = 'fe800000000000000000000000000002';
const AT = 54;

// ICMPv6EchoRequest(id=1, seq=1, data=b'abcdefgh')
const ECHO = fromHex(`${ETH} 60000000 0010 3a 40 ${LL1} ${LL2} 8000 f118 0001 0001 6162636465666768`);
// ICMPv6ND_NS(tgt='fe80::2')/ICMPv6NDOptSrcLLAddr(lladdr='00:00:00:00:00:01')
const NS = fromHex(`${ETH} 60000000 0020 3a ff ${LL1} ff0200000000000000000001ff000002 8700 7c97 00000000 ${LL2} 0101 000000000001`);
// ICMPv6ND_NA(tgt='fe80::2', R=1, S=1, O=1)/ICMPv6NDOptDstLLAddr(lladdr='00:00:00:00:00:02')
const NA = fromHex(`${ETH} 60000000 0020 3a ff ${LL2} ${LL1} 8800 9a19 e0000000 ${LL2} 0201 000000000002`);
// ICMPv6ND_RA(chlim=64, M=1, routerlifetime=1800, reachabletime=30000, retranstimer=1000) (scapy sets prf=1)
//   /SrcLLAddr(00:00:00:00:00:01)/MTU(1500)/PrefixInfo(2001:db8::/64, L=1, A=1, valid 86400, preferred 14400)
const RA = fromHex(
  `${ETH} 60000000 0040 3a ff ${LL1} ff020000000000000000000000000001 8600 b438 40 88 0708 00007530 000003e8` +
    '0101 000000000001 0501 0000 000005dc 0304 40 c0 00015180 00003840 00000000 20010db8000000000000000000000000',
);
// ICMPv6ND_Redirect(tgt='fe80::3', dst='2001:db8::5')/DstLLAddr(00:00:00:00:00:03)
//   /RedirectedHdr(IPv6(src='2001:db8::1', dst='2001:db8::5')/UDP(sport=1, dport=2))
const REDIRECTED = '6000000000081140 20010db8000000000000000000000001 20010db8000000000000000000000005 000100020008a463';
const REDIRECT = fromHex(
  `${ETH} 60000000 0068 3a ff ${LL1} ${LL2} 8900 d5db 00000000 fe800000000000000000000000000003 20010db8000000000000000000000005` +
    `0201 000000000003 0407 000000000000 ${REDIRECTED}`,
);
// ICMPv6DestUnreach(code=4)/IPv6(src='fe80::2', dst='2001:db8::9')/UDP(sport=1000, dport=2000)/b'xy'
const INVOKING = `60000000000a1140 ${LL2} 20010db8000000000000000000000009 03e807d0000a4f64 7879`;
const UNREACH = fromHex(`${ETH} 60000000 003a 3a 40 ${LL1} ${LL2} 0104 9053 00000000 ${INVOKING}`);
// ICMPv6PacketTooBig(mtu=1280)/(same invoking packet)
const TOO_BIG = fromHex(`${ETH} 60000000 003a 3a 40 ${LL1} ${LL2} 0200 8a57 00000500 ${INVOKING}`);

function pseudo(frame: Uint8Array): number {
  return pseudoHeaderSum6(frame, 22, 38, 58, frame.length - AT);
}

function parseFrame(frame: Uint8Array): Icmpv6Repr {
  return Icmpv6.parse(frame, AT, frame.length - AT, { pseudoSum: pseudo(frame), check: 'verify' });
}

function emitFor(frame: Uint8Array, repr: Icmpv6Repr): Uint8Array {
  const out = new Uint8Array(Icmpv6.bufferLen(repr));
  expect(Icmpv6.emit(repr, out, 0, { pseudoSum: pseudo(frame), mode: 'compute' })).toBe(out.length);
  return out;
}

const RA_REPR: Icmpv6Repr = {
  kind: 'router-advert',
  hopLimit: 64,
  managed: true,
  otherConfig: false,
  preference: 1,
  routerLifetime: 1800,
  reachableTime: 30000,
  retransTimer: 1000,
  options: [
    { kind: 'source-link-addr', mac: 1 },
    { kind: 'mtu', mtu: 1500 },
    {
      kind: 'prefix-info',
      prefixLength: 64,
      onLink: true,
      autonomous: true,
      validLifetime: 86400,
      preferredLifetime: 14400,
      prefix: parseIpv6('2001:db8::'),
    },
  ],
};

describe('ICMPv6', () => {
  it('deconstructs an echo request', () => {
    const p = Icmpv6Packet.checked(ECHO, AT);
    expect([p.type, p.code, p.checksum, p.identifier, p.sequence]).toEqual([128, 0, 0xf118, 1, 1]);
    expect(new TextDecoder().decode(p.body())).toBe('abcdefgh');
    expect(p.verifyChecksum(pseudo(ECHO))).toBe(true);
  });

  it('deconstructs neighbor discovery messages', () => {
    const ra = Icmpv6Packet.checked(RA, AT);
    expect([ra.hopLimit, ra.raFlags, ra.routerLifetime, ra.reachableTime, ra.retransTimer]).toEqual([64, 0x88, 1800, 30000, 1000]);
    const types: number[] = [];
    walkNdpOptions(RA, ra.bodyOffset, ra.end, (type) => types.push(type));
    expect(types).toEqual([1, 5, 3]);
    const na = Icmpv6Packet.checked(NA, AT);
    expect([na.router, na.solicited, na.override, na.target]).toEqual([true, true, true, parseIpv6('fe80::2')]);
    const redirect = Icmpv6Packet.checked(REDIRECT, AT);
    expect([redirect.target, redirect.destination]).toEqual([parseIpv6('fe80::3'), parseIpv6('2001:db8::5')]);
  });

  it('constructs an echo request through setters', () => {
    const buf = new Uint8Array(16);
    const p = new Icmpv6Packet(buf);
    p.type = 128;
    p.identifier = 1;
    p.sequence = 1;
    buf.set(new TextEncoder().encode('abcdefgh'), 8);
    p.fillChecksum(pseudo(ECHO));
    expect(buf).toEqual(ECHO.subarray(AT));
  });

  it('parses echo and neighbor discovery', () => {
    expect(parseFrame(ECHO)).toEqual({ kind: 'echo-request', identifier: 1, sequence: 1, data: fromHex('6162636465666768') });
    expect(parseFrame(NS)).toEqual({
      kind: 'neighbor-solicit',
      target: parseIpv6('fe80::2'),
      options: [{ kind: 'source-link-addr', mac: 1 }],
    });
    expect(parseFrame(NA)).toEqual({
      kind: 'neighbor-advert',
      router: true,
      solicited: true,
      override: true,
      target: parseIpv6('fe80::2'),
      options: [{ kind: 'target-link-addr', mac: 2 }],
    });
    expect(parseFrame(RA)).toEqual(RA_REPR);
    expect(parseFrame(REDIRECT)).toEqual({
      kind: 'redirect',
      target: parseIpv6('fe80::3'),
      destination: parseIpv6('2001:db8::5'),
      options: [
        { kind: 'target-link-addr', mac: 3 },
        { kind: 'redirected-header', packet: fromHex(REDIRECTED) },
      ],
    });
  });

  it('parses error messages with their invoking packet', () => {
    expect(parseFrame(UNREACH)).toEqual({ kind: 'dest-unreachable', code: 4, invoking: fromHex(INVOKING) });
    expect(parseFrame(TOO_BIG)).toEqual({ kind: 'packet-too-big', mtu: 1280, invoking: fromHex(INVOKING) });
  });

  it('emits what scapy built, checksum included', () => {
    expect(emitFor(RA, RA_REPR)).toEqual(RA.subarray(AT));
    const ns: Icmpv6Repr = { kind: 'neighbor-solicit', target: parseIpv6('fe80::2'), options: [{ kind: 'source-link-addr', mac: 1 }] };
    expect(emitFor(NS, ns)).toEqual(NS.subarray(AT));
    for (const frame of [ECHO, NA, REDIRECT, UNREACH, TOO_BIG]) expect(emitFor(frame, parseFrame(frame))).toEqual(frame.subarray(AT));
  });

  it('keeps types and codes it does not decode raw', () => {
    // MLD query (type 130) and a neighbor solicitation with code 1, which RFC 4861 receivers discard.
    const mld = fromHex('82000000 2710 0000 00000000000000000000000000000000');
    expect(Icmpv6.parse(mld)).toEqual({ kind: 'unknown', type: 130, code: 0, body: mld.subarray(4) });
    const ns = NS.slice(AT);
    ns[1] = 1;
    expect(Icmpv6.parse(ns)).toMatchObject({ kind: 'unknown', type: 135, code: 1 });
  });

  it('keeps a known option of unexpected length raw', () => {
    const ns = fromHex(`87000000 00000000 ${LL2} 0202 0000000000000000aaaaaaaaaaaa`);
    expect(Icmpv6.parse(ns)).toMatchObject({ options: [{ kind: 'unknown', type: 2, data: ns.subarray(26) }] });
  });

  it('refuses malformed messages with typed errors', () => {
    expect(() => Icmpv6.parse(ECHO.subarray(AT, AT + 6))).toThrow(expect.objectContaining({ code: 'truncated', layer: 'icmpv6' }));
    expect(() => Icmpv6.parse(ECHO, AT, 40)).toThrow(expect.objectContaining({ code: 'truncated' }));
    expect(() => Icmpv6.parse(fromHex(`87000000 00000000 ${LL2} 0100 000000000001`))).toThrow(
      expect.objectContaining({ code: 'bad-value', offset: 25 }),
    );
    expect(() => Icmpv6.parse(fromHex(`87000000 00000000 ${LL2} 0502 0000000005dc`))).toThrow(
      expect.objectContaining({ code: 'bad-length' }),
    );
    expect(() => Icmpv6.parse(fromHex(`87000000 00000000 ${LL2} 05`))).toThrow(expect.objectContaining({ code: 'truncated' }));
    const corrupt = ECHO.slice();
    corrupt[60] ^= 1;
    expect(() => parseFrame(corrupt)).toThrow(expect.objectContaining({ code: 'bad-checksum', offset: AT + 2 }));
    expect(Icmpv6.parse(corrupt, AT, undefined, { pseudoSum: pseudo(corrupt), check: 'trust' }).kind).toBe('echo-request');
  });

  it('refuses reprs it cannot encode', () => {
    const bad = { ...RA_REPR, preference: 4 };
    expect(() => Icmpv6.emit(bad, new Uint8Array(Icmpv6.bufferLen(bad)))).toThrow(FrameError);
    const huge: Icmpv6Repr = { kind: 'router-solicit', options: [{ kind: 'unknown', type: 200, data: new Uint8Array(2040) }] };
    expect(() => Icmpv6.emit(huge, new Uint8Array(Icmpv6.bufferLen(huge)))).toThrow(expect.objectContaining({ code: 'bad-value' }));
  });

  it('round-trips every repr', () => {
    const u8 = fc.integer({ min: 0, max: 0xff });
    const u16 = fc.integer({ min: 0, max: 0xffff });
    const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
    const addr = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });
    const mac = fc.integer({ min: 0, max: 0xffff_ffff_ffff });
    const bytes = fc.uint8Array({ maxLength: 64 });
    /** Bytes whose length is `extra` more than a multiple of 8, as options pad to. */
    const padded = (extra: number) =>
      fc.integer({ min: 0, max: 6 }).chain((n) => fc.uint8Array({ minLength: n * 8 + extra, maxLength: n * 8 + extra }));
    const option: fc.Arbitrary<NdpOption> = fc.oneof(
      fc.record({ kind: fc.constantFrom('source-link-addr' as const, 'target-link-addr' as const), mac }),
      fc.record({
        kind: fc.constant('prefix-info' as const),
        prefixLength: fc.integer({ min: 0, max: 128 }),
        onLink: fc.boolean(),
        autonomous: fc.boolean(),
        validLifetime: u32,
        preferredLifetime: u32,
        prefix: addr,
      }),
      fc.record({ kind: fc.constant('redirected-header' as const), packet: padded(0) }),
      fc.record({ kind: fc.constant('mtu' as const), mtu: u32 }),
      fc.record({ kind: fc.constant('unknown' as const), type: fc.integer({ min: 6, max: 255 }), data: padded(6) }),
    );
    const options = fc.array(option, { maxLength: 5 });
    const repr: fc.Arbitrary<Icmpv6Repr> = fc.oneof(
      fc.record({ kind: fc.constantFrom('echo-request' as const, 'echo-reply' as const), identifier: u16, sequence: u16, data: bytes }),
      fc.record({ kind: fc.constantFrom('dest-unreachable' as const, 'time-exceeded' as const), code: u8, invoking: bytes }),
      fc.record({ kind: fc.constant('packet-too-big' as const), mtu: u32, invoking: bytes }),
      fc.record({ kind: fc.constant('param-problem' as const), code: u8, pointer: u32, invoking: bytes }),
      fc.record({ kind: fc.constant('router-solicit' as const), options }),
      fc.record({
        kind: fc.constant('router-advert' as const),
        hopLimit: u8,
        managed: fc.boolean(),
        otherConfig: fc.boolean(),
        preference: fc.integer({ min: 0, max: 3 }),
        routerLifetime: u16,
        reachableTime: u32,
        retransTimer: u32,
        options,
      }),
      fc.record({ kind: fc.constant('neighbor-solicit' as const), target: addr, options }),
      fc.record({
        kind: fc.constant('neighbor-advert' as const),
        router: fc.boolean(),
        solicited: fc.boolean(),
        override: fc.boolean(),
        target: addr,
        options,
      }),
      fc.record({ kind: fc.constant('redirect' as const), target: addr, destination: addr, options }),
      // Types vnet does not decode, and defined types with a code only 0 is defined for.
      fc.record({
        kind: fc.constant('unknown' as const),
        type: fc.oneof(fc.integer({ min: 5, max: 127 }), fc.integer({ min: 138, max: 255 }), fc.constantFrom(0, 130, 131, 132)),
        code: u8,
        body: bytes,
      }),
      fc.record({
        kind: fc.constant('unknown' as const),
        type: fc.constantFrom(2, 128, 129, 133, 134, 135, 136, 137),
        code: fc.integer({ min: 1, max: 255 }),
        body: fc.uint8Array({ minLength: 36, maxLength: 64 }),
      }),
    );
    fc.assert(
      fc.property(repr, fc.integer({ min: 0, max: 0xfffff }), (r, pseudoSum) => {
        const buf = new Uint8Array(Icmpv6.bufferLen(r));
        expect(Icmpv6.emit(r, buf, 0, { pseudoSum, mode: 'compute' })).toBe(buf.length);
        expect(Icmpv6.parse(buf, 0, buf.length, { pseudoSum, check: 'verify' })).toEqual(r);
      }),
    );
  });
});

describe('ICMPv6 dissector', () => {
  it('names an echo request as Wireshark does', () => {
    const d = dissect(ECHO);
    expect(d.error).toBeUndefined();
    expect(fieldMap(d)).toMatchObject({
      'icmpv6.type': 128,
      'icmpv6.code': 0,
      'icmpv6.checksum': '0xf118',
      'icmpv6.echo.identifier': '0x0001',
      'icmpv6.echo.sequence_number': 1,
      'data.data': '61:62:63:64:65:66:67:68',
    });
    expect(d.summary).toBe('IP6 fe80::1 > fe80::2: ICMP6, echo request, id 1, seq 1, length 16');
  });

  it('names neighbor discovery and its options', () => {
    const ns = dissect(NS);
    expect(fieldMap(ns)).toMatchObject({
      'icmpv6.reserved': '00:00:00:00',
      'icmpv6.nd.ns.target_address': 'fe80::2',
      'icmpv6.opt.type': 1,
      'icmpv6.opt.length': 1,
      'icmpv6.opt.linkaddr': '00:00:00:00:00:01',
      'icmpv6.opt.src_linkaddr': '00:00:00:00:00:01',
    });
    expect(ns.summary).toBe('IP6 fe80::1 > ff02::1:ff00:2: ICMP6, neighbor solicitation, who has fe80::2, length 32');
    const na = dissect(NA);
    expect(fieldMap(na)).toMatchObject({
      'icmpv6.nd.na.flag': '0xe0000000',
      'icmpv6.nd.na.flag.r': true,
      'icmpv6.nd.na.flag.s': true,
      'icmpv6.nd.na.flag.o': true,
      'icmpv6.nd.na.flag.rsv': 0,
      'icmpv6.opt.target_linkaddr': '00:00:00:00:00:02',
    });
    expect(na.summary).toBe('IP6 fe80::2 > fe80::1: ICMP6, neighbor advertisement, tgt is fe80::2, length 32');
    const ra = fieldMap(dissect(RA));
    expect(ra).toMatchObject({
      'icmpv6.nd.ra.cur_hop_limit': 64,
      'icmpv6.nd.ra.flag': '0x88',
      'icmpv6.nd.ra.flag.m': true,
      'icmpv6.nd.ra.flag.o': false,
      'icmpv6.nd.ra.flag.prf': 1,
      'icmpv6.nd.ra.router_lifetime': 1800,
      'icmpv6.nd.ra.reachable_time': 30000,
      'icmpv6.nd.ra.retrans_timer': 1000,
      'icmpv6.opt.type': [1, 5, 3],
      'icmpv6.opt.length': [1, 1, 4],
      'icmpv6.opt.mtu': 1500,
      'icmpv6.opt.prefix.length': 64,
      'icmpv6.opt.prefix.flag': '0xc0',
      'icmpv6.opt.prefix.flag.l': true,
      'icmpv6.opt.prefix.flag.a': true,
      'icmpv6.opt.prefix.valid_lifetime': 86400,
      'icmpv6.opt.prefix.preferred_lifetime': 14400,
      'icmpv6.opt.prefix': '2001:db8::',
    });
    const redirect = dissect(REDIRECT);
    expect(fieldMap(redirect)).toMatchObject({
      'icmpv6.nd.rd.target_address': 'fe80::3',
      'icmpv6.rd.na.destination_address': '2001:db8::5',
    });
    expect(redirect.summary).toBe('IP6 fe80::1 > fe80::2: ICMP6, redirect, 2001:db8::5 to fe80::3, length 104');
  });

  it('summarises errors from the invoking packet without dissecting it', () => {
    const d = dissect(UNREACH);
    expect(fieldMap(d)).toMatchObject({ 'icmpv6.type': 1, 'icmpv6.code': 4, 'icmpv6.checksum': '0x9053' });
    expect(d.layers.at(-1)?.protocol).toBe('icmpv6');
    expect(d.summary).toBe('IP6 fe80::1 > fe80::2: ICMP6, destination unreachable, unreachable port, 2001:db8::9 udp port 2000, length 58');
    expect(fieldMap(dissect(TOO_BIG))).toMatchObject({ 'icmpv6.mtu': 1280 });
    expect(dissect(TOO_BIG).summary).toBe('IP6 fe80::1 > fe80::2: ICMP6, packet too big, mtu 1280, length 58');
  });

  it('reads the RFC 4884 length of the invoking packet', () => {
    const frame = UNREACH.slice();
    frame[AT + 4] = 2;
    expect(fieldMap(dissect(frame))).toMatchObject({ 'icmpv6.length': 2, 'icmpv6.reserved': '00:00:00' });
    expect(fieldMap(dissect(UNREACH))['icmpv6.length']).toBeUndefined();
  });

  it('gives up on a prefix option that is not 32 bytes long, as Wireshark does', () => {
    const d = dissect(fromHex(`${ETH} 60000000 0028 3a ff ${LL1} ${LL2} 87000000 00000000 ${LL2} 0301 000000000000 0101 000000000001`));
    expect(d.error).toMatchObject({ code: 'bad-length', layer: 'icmpv6' });
    expect(fieldMap(d)['icmpv6.opt.src_linkaddr']).toBeUndefined();
  });

  it('reports an option of length 0 as malformed, keeping the fields before it', () => {
    const frame = NS.slice();
    frame[AT + 25] = 0;
    const d = dissect(frame);
    expect(d.error).toMatchObject({ code: 'bad-value', layer: 'icmpv6' });
    expect(fieldMap(d)['icmpv6.nd.ns.target_address']).toBe('fe80::2');
  });
});
