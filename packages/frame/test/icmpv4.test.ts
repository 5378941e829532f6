import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dissect,
  FrameError,
  fieldMap,
  fromHex,
  Icmpv4,
  Icmpv4Packet,
  type Icmpv4Repr,
  Icmpv4Type,
  Icmpv4Unreachable,
  parseIpv4,
  toHex,
} from '../src/index.js';

// Bytes from scapy; field values checked against tshark 4.0 on the same frames.
// ICMP(type=8, id=0x1234, seq=1)/b'abcd'
const ECHO = fromHex('0800 2104 1234 0001 61626364');
// What ICMP errors quote below: IP(src=10.0.0.1, dst=10.0.0.9, ttl=1, id=1)/UDP(sport=1234, dport=53)
const QUOTE = '4500001c000100000111a5c70a0000010a000009 04d200350008e6cd';
// ICMP(type=3, code=4, nexthopmtu=1400)/quote
const FRAG_NEEDED = fromHex(`0304 0ba7 0000 0578 ${QUOTE}`);
// ICMP(type=11, code=0)/quote
const TIME_EXCEEDED = fromHex(`0b00 0923 00000000 ${QUOTE}`);
// ICMP(type=5, code=1, gw=10.0.0.254)/quote
const REDIRECT = fromHex(`0501 0424 0a0000fe ${QUOTE}`);
// ICMP(type=13, id=5, seq=6, ts_ori=1, ts_rx=2, ts_tx=3)
const TIMESTAMP = fromHex('0d00 f2ee 0005 0006 00000001 00000002 00000003');

const ETH_IP = '020000000002 020000000001 0800';

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

function emitted(repr: Icmpv4Repr): Uint8Array {
  const buf = new Uint8Array(Icmpv4.bufferLen(repr));
  expect(Icmpv4.emit(repr, buf)).toBe(buf.length);
  return buf;
}

describe('ICMPv4', () => {
  it('deconstructs', () => {
    const p = Icmpv4Packet.checked(ECHO);
    expect([p.type, p.code, p.checksum, p.identifier, p.sequence]).toEqual([8, 0, 0x2104, 0x1234, 1]);
    expect(p.payload()).toEqual(fromHex('61626364'));
    expect(p.verifyChecksum()).toBe(true);
    const f = Icmpv4Packet.checked(FRAG_NEEDED);
    expect([f.type, f.code, f.nextHopMtu, f.payloadLen]).toEqual([3, 4, 1400, 28]);
    expect(Icmpv4Packet.checked(REDIRECT).gateway).toBe(parseIpv4('10.0.0.254'));
  });

  it('constructs through setters', () => {
    const buf = new Uint8Array(12);
    buf.set(fromHex('61626364'), 8);
    const p = new Icmpv4Packet(buf, 0, 12);
    p.type = Icmpv4Type.EchoRequest;
    p.identifier = 0x1234;
    p.sequence = 1;
    p.fillChecksum();
    expect(buf).toEqual(ECHO);
  });

  it('parses each kind', () => {
    expect(Icmpv4.parse(ECHO)).toEqual({ kind: 'echo-request', identifier: 0x1234, sequence: 1, data: fromHex('61626364') });
    expect(Icmpv4.parse(FRAG_NEEDED)).toEqual({ kind: 'dest-unreachable', code: 4, nextHopMtu: 1400, original: fromHex(QUOTE) });
    expect(Icmpv4.parse(TIME_EXCEEDED)).toEqual({ kind: 'time-exceeded', code: 0, original: fromHex(QUOTE) });
    expect(Icmpv4.parse(REDIRECT)).toEqual({ kind: 'redirect', code: 1, gateway: parseIpv4('10.0.0.254'), original: fromHex(QUOTE) });
    expect(Icmpv4.parse(TIMESTAMP)).toEqual({
      kind: 'other',
      type: Icmpv4Type.Timestamp,
      code: 0,
      rest: 0x0005_0006,
      data: fromHex('00000001 00000002 00000003'),
    });
  });

  it('emits each kind with its checksum', () => {
    expect(emitted({ kind: 'echo-request', identifier: 0x1234, sequence: 1, data: fromHex('61626364') })).toEqual(ECHO);
    expect(
      emitted({ kind: 'dest-unreachable', code: Icmpv4Unreachable.FragmentationNeeded, nextHopMtu: 1400, original: fromHex(QUOTE) }),
    ).toEqual(FRAG_NEEDED);
    expect(emitted({ kind: 'time-exceeded', code: 0, original: fromHex(QUOTE) })).toEqual(TIME_EXCEEDED);
    expect(emitted({ kind: 'redirect', code: 1, gateway: parseIpv4('10.0.0.254'), original: fromHex(QUOTE) })).toEqual(REDIRECT);
    expect(emitted({ kind: 'other', type: 13, code: 0, rest: 0x0005_0006, data: TIMESTAMP.subarray(8) })).toEqual(TIMESTAMP);
  });

  it('leaves the checksum 0 when asked not to compute it', () => {
    const buf = new Uint8Array(12);
    Icmpv4.emit({ kind: 'echo-request', identifier: 0x1234, sequence: 1, data: fromHex('61626364') }, buf, 0, 'none');
    expect(buf.subarray(2, 4)).toEqual(new Uint8Array(2));
    expect(Icmpv4.parse(buf, 0, 12, 'trust')).toMatchObject({ kind: 'echo-request', sequence: 1 });
  });

  it('refuses a bad checksum unless trusted', () => {
    const bad = ECHO.slice();
    bad[11] ^= 1;
    expect(thrown(() => Icmpv4.parse(bad))).toMatchObject({ code: 'bad-checksum', layer: 'icmp', offset: 2 });
    expect(Icmpv4.parse(bad, 0, bad.length, 'trust')).toMatchObject({ kind: 'echo-request' });
  });

  it('refuses a message shorter than its header or its stated length', () => {
    expect(thrown(() => Icmpv4.parse(ECHO.subarray(0, 7)))).toMatchObject({ code: 'truncated', layer: 'icmp', offset: 0 });
    expect(thrown(() => Icmpv4Packet.checked(ECHO, 0, 13))).toMatchObject({ code: 'truncated', layer: 'icmp' });
  });

  it("refuses an 'other' that has a kind of its own", () => {
    const err = thrown(() => emitted({ kind: 'other', type: Icmpv4Type.EchoReply, code: 0, rest: 0, data: new Uint8Array(0) }));
    expect(err).toBeInstanceOf(FrameError);
    expect(err).toMatchObject({ code: 'bad-value' });
  });

  it('keeps an echo with a nonzero code as other', () => {
    const odd = emitted({ kind: 'other', type: Icmpv4Type.EchoRequest, code: 7, rest: 0x1234_0001, data: new Uint8Array(0) });
    expect(Icmpv4.parse(odd)).toMatchObject({ kind: 'other', type: 8, code: 7 });
  });

  it('round-trips any repr', () => {
    const u16 = fc.integer({ min: 0, max: 0xffff });
    const u8 = fc.integer({ min: 0, max: 255 });
    const bytes = fc.uint8Array({ maxLength: 64 });
    const repr: fc.Arbitrary<Icmpv4Repr> = fc.oneof(
      fc.record({ kind: fc.constantFrom('echo-request' as const, 'echo-reply' as const), identifier: u16, sequence: u16, data: bytes }),
      fc.record({ kind: fc.constant('dest-unreachable' as const), code: u8, nextHopMtu: u16, original: bytes }),
      fc.record({ kind: fc.constant('time-exceeded' as const), code: u8, original: bytes }),
      fc.record({ kind: fc.constant('redirect' as const), code: u8, gateway: fc.integer({ min: 0, max: 0xffff_ffff }), original: bytes }),
      fc
        .record({ kind: fc.constant('other' as const), type: u8, code: u8, rest: fc.integer({ min: 0, max: 0xffff_ffff }), data: bytes })
        .filter((r) => ![0, 3, 5, 8, 11].includes(r.type) || ((r.type === 0 || r.type === 8) && r.code !== 0)),
    );
    fc.assert(
      fc.property(repr, (r) => {
        expect(Icmpv4.parse(emitted(r))).toEqual(r);
      }),
    );
  });

  it('throws nothing but FrameError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.integer({ min: -4, max: 48 }), (bytes, length) => {
        try {
          Icmpv4.parse(bytes, 0, length);
        } catch (e) {
          expect(e).toBeInstanceOf(FrameError);
        }
      }),
    );
  });
});

describe('ICMPv4 dissector', () => {
  it('names an echo request and hands its data over', () => {
    // IP(src=10.0.0.1, dst=10.0.0.2)/ICMP(type=8, id=0x1234, seq=1)/b'abcdefghij'
    const d = dissect(fromHex(`${ETH_IP} 4500002600010000400166d40a0000010a000002 0800eaca12340001 6162636465666768696a`));
    expect(d.error).toBeUndefined();
    expect(d.layers.map((l) => l.protocol)).toEqual(['eth', 'ip', 'icmp', 'data']);
    expect(fieldMap(d)).toMatchObject({
      'icmp.type': 8,
      'icmp.code': 0,
      'icmp.checksum': '0xeaca',
      'icmp.ident': 4660,
      'icmp.seq': 1,
      'data.data': '61:62:63:64:65:66:67:68:69:6a',
      'data.len': 10,
    });
    expect(d.summary).toBe('IP 10.0.0.1 > 10.0.0.2: ICMP echo request, id 4660, seq 1, length 18');
  });

  it('leaves out echo data that tshark may read as a timestamp', () => {
    // 8 data bytes whose second word is below a million: a plausible struct timeval.
    const icmp = emitted({ kind: 'echo-reply', identifier: 1, sequence: 2, data: fromHex('65f0a1b2 000c3500 aabbccdd') });
    const ip = `450000${(20 + icmp.length).toString(16)}00010000400100000a0000020a000001`;
    const d = dissect(fromHex(`${ETH_IP} ${ip} ${toHex(icmp)}`));
    expect(d.layers.map((l) => l.protocol)).toEqual(['eth', 'ip', 'icmp']);
    expect(d.summary).toBe('IP 10.0.0.2 > 10.0.0.1: ICMP echo reply, id 1, seq 2, length 20');
  });

  it('names a port unreachable without dissecting the quote', () => {
    // IP(src=10.0.0.9, dst=10.0.0.1)/ICMP(type=3, code=3)/quote
    const d = dissect(fromHex(`${ETH_IP} 4500003800010000400166bb0a0000090a000001 0303112000000000 ${QUOTE}`));
    expect(d.layers.map((l) => l.protocol)).toEqual(['eth', 'ip', 'icmp']);
    expect(fieldMap(d)).toEqual(
      expect.objectContaining({ 'icmp.type': 3, 'icmp.code': 3, 'icmp.checksum': '0x1120', 'icmp.unused': '00:00:00:00' }),
    );
    expect(d.summary).toBe('IP 10.0.0.9 > 10.0.0.1: ICMP 10.0.0.9 udp port 53 unreachable, length 36');
  });

  it('names the next-hop MTU of fragmentation needed', () => {
    const d = dissect(fromHex(`${ETH_IP} 4500003800010000400166bb0a0000090a000001 03040ba700000578 ${QUOTE}`));
    expect(fieldMap(d)).toMatchObject({ 'icmp.unused': '00:00', 'icmp.mtu': 1400 });
    expect(d.summary).toBe('IP 10.0.0.9 > 10.0.0.1: ICMP 10.0.0.9 unreachable - need to frag (mtu 1400), length 36');
  });

  it('names redirects and time exceeded', () => {
    const ip = (icmp: Uint8Array) => fromHex(`${ETH_IP} 4500003800010000400100000a0000090a000001 ${toHex(icmp)}`);
    const redirect = dissect(ip(REDIRECT));
    expect(fieldMap(redirect)['icmp.redir_gw']).toBe('10.0.0.254');
    expect(redirect.summary).toBe('IP 10.0.0.9 > 10.0.0.1: ICMP redirect 10.0.0.9 to host 10.0.0.254, length 36');
    expect(dissect(ip(TIME_EXCEEDED)).summary).toBe('IP 10.0.0.9 > 10.0.0.1: ICMP time exceeded in-transit, length 36');
  });

  it('reports the RFC 4884 length instead of the unused bytes', () => {
    const rfc4884 = TIME_EXCEEDED.slice();
    rfc4884[5] = 7;
    const f = fieldMap(dissect(fromHex(`${ETH_IP} 4500003800010000400100000a0000090a000001 ${toHex(rfc4884)}`)));
    expect(f).toMatchObject({ 'icmp.length': 7, 'icmp.length.original_datagram': 28 });
    expect(f['icmp.unused']).toBeUndefined();
  });
});
