import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BOOTP_MIN_LEN,
  DHCP_FLAG_BROADCAST,
  Dhcp,
  DhcpMessage,
  DhcpMessageType,
  type DhcpOption,
  type DhcpRepr,
  dhcpMessageType,
  dissect,
  FrameError,
  fieldMap,
  findDhcpOption,
  fromHex,
  parseIpv4,
  toHex,
} from '../src/index.js';

const zeros = (n: number): string => '00'.repeat(n);

// scapy: BOOTP(op=1, chaddr=02:00:00:00:00:01, xid=0x12345678, flags=0x8000)/DHCP(options=[
// ('message-type','discover'), ('client_id', b'\x01\x02\x00\x00\x00\x00\x01'), ('hostname','h1'),
// ('param_req_list', [1,3,6,15,51,54]), 'end']), zero-padded to 300 bytes as clients send it.
const DISCOVER_OPTIONS = '350101 3d0701020000000001 0c026831 3706010306 0f3336 ff';
const DISCOVER = fromHex(
  `010106001234567800008000 ${zeros(16)} 020000000001 ${zeros(10)} ${zeros(192)} 63825363 ${DISCOVER_OPTIONS} ${zeros(35)}`,
);

// scapy: BOOTP(op=2, chaddr=02:00:00:00:00:01, xid=0x12345678, yiaddr='10.0.0.1', siaddr='10.0.0.254')/
// DHCP(options=[('message-type','offer'), ('server_id','10.0.0.254'), ('lease_time',3600),
// ('renewal_time',1800), ('rebinding_time',3150), ('subnet_mask','255.255.255.0'),
// ('router','10.0.0.254'), ('name_server','10.0.0.254','8.8.8.8'), ('domain','vnet.test'), 'end'])
const OFFER = fromHex(
  `020106001234567800000000 00000000 0a000001 0a0000fe 00000000 020000000001 ${zeros(10)} ${zeros(192)} 63825363
   350102 36040a0000fe 330400000e10 3a0400000708 3b0400000c4e 0104ffffff00 03040a0000fe 06080a0000fe08080808
   0f09766e65742e74657374 ff`,
);

const MAC = 0x0200_0000_0001;

const DISCOVER_REPR: DhcpRepr = {
  op: 1,
  htype: 1,
  hlen: 6,
  hops: 0,
  xid: 0x12345678,
  secs: 0,
  flags: DHCP_FLAG_BROADCAST,
  ciaddr: 0,
  yiaddr: 0,
  siaddr: 0,
  giaddr: 0,
  chaddr: MAC,
  sname: '',
  file: '',
  options: [
    { kind: 'message-type', type: DhcpMessageType.Discover },
    { kind: 'client-id', type: 1, id: fromHex('020000000001') },
    { kind: 'host-name', name: 'h1' },
    { kind: 'parameter-request-list', codes: [1, 3, 6, 15, 51, 54] },
  ],
};

const OFFER_REPR: DhcpRepr = {
  ...DISCOVER_REPR,
  op: 2,
  flags: 0,
  yiaddr: parseIpv4('10.0.0.1'),
  siaddr: parseIpv4('10.0.0.254'),
  options: [
    { kind: 'message-type', type: DhcpMessageType.Offer },
    { kind: 'server-id', address: parseIpv4('10.0.0.254') },
    { kind: 'lease-time', seconds: 3600 },
    { kind: 'renewal-time', seconds: 1800 },
    { kind: 'rebinding-time', seconds: 3150 },
    { kind: 'subnet-mask', mask: parseIpv4('255.255.255.0') },
    { kind: 'router', addresses: [parseIpv4('10.0.0.254')] },
    { kind: 'dns-servers', addresses: [parseIpv4('10.0.0.254'), parseIpv4('8.8.8.8')] },
    { kind: 'domain-name', name: 'vnet.test' },
  ],
};

/** Ethernet, IPv4 and UDP headers (from scapy) in front of a DHCP payload. */
function inUdp(headers: string, payload: Uint8Array): Uint8Array {
  const h = fromHex(headers);
  const out = new Uint8Array(h.length + payload.length);
  out.set(h);
  out.set(payload, h.length);
  return out;
}

const DISCOVER_FRAME = inUdp('ffffffffffff 020000000001 0800 4500014800010000401179a500000000ffffffff 00440043013430a8', DISCOVER);
const OFFER_FRAME = inUdp('020000000001 0200000000fe 0800 4500014900010000401164a50a0000fe0a000001 0043004401350d3d', OFFER);

function errorOf(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('DHCP', () => {
  it('deconstructs', () => {
    const m = DhcpMessage.checked(OFFER);
    expect([m.op, m.htype, m.hlen, m.hops, m.xid, m.secs, m.flags, m.broadcast]).toEqual([2, 1, 6, 0, 0x12345678, 0, 0, false]);
    expect([m.ciaddr, m.yiaddr, m.siaddr, m.giaddr]).toEqual([0, 0x0a000001, 0x0a0000fe, 0]);
    expect(m.chaddr).toBe(MAC);
    expect(m.cookie).toBe(0x63825363);
    expect(m.optionsOffset).toBe(240);
    expect(m.options()[0]).toBe(53);
    expect(DhcpMessage.checked(DISCOVER).broadcast).toBe(true);
  });

  it('constructs through setters', () => {
    const buf = DISCOVER.slice();
    const m = new DhcpMessage(buf);
    m.op = 2;
    m.xid = 0xdeadbeef;
    m.yiaddr = parseIpv4('10.0.0.7');
    m.chaddr = 0x0200_0000_0002;
    m.flags = 0;
    expect(toHex(buf.subarray(0, 34))).toBe(
      `020106 00 deadbeef 0000 0000 00000000 0a000007 00000000 00000000 020000000002`.replace(/ /g, ''),
    );
  });

  it('parses', () => {
    expect(Dhcp.parse(DISCOVER)).toEqual(DISCOVER_REPR);
    expect(Dhcp.parse(OFFER)).toEqual(OFFER_REPR);
  });

  it('emits byte for byte what scapy built, padded to the BOOTP minimum', () => {
    expect(Dhcp.bufferLen(DISCOVER_REPR)).toBe(BOOTP_MIN_LEN);
    const buf = new Uint8Array(BOOTP_MIN_LEN).fill(0xee);
    expect(Dhcp.emit(DISCOVER_REPR, buf)).toBe(BOOTP_MIN_LEN);
    expect(buf).toEqual(DISCOVER);
    const offer = new Uint8Array(Dhcp.bufferLen(OFFER_REPR));
    expect(Dhcp.emit(OFFER_REPR, offer)).toBe(301);
    expect(offer).toEqual(OFFER);
  });

  it('finds options by kind', () => {
    expect(dhcpMessageType(OFFER_REPR)).toBe(DhcpMessageType.Offer);
    expect(findDhcpOption(OFFER_REPR, 'lease-time')?.seconds).toBe(3600);
    expect(findDhcpOption(OFFER_REPR, 'client-id')).toBeUndefined();
    expect(dhcpMessageType({ ...OFFER_REPR, options: [] })).toBeUndefined();
  });

  it('keeps unknown options raw and skips padding', () => {
    const bytes = OFFER.slice(0, 240);
    const withRaw = new Uint8Array(250);
    withRaw.set(bytes);
    withRaw.set(fromHex('00 00 e0 02 abcd 350105 ff'), 240);
    expect(Dhcp.parse(withRaw).options).toEqual([
      { kind: 'raw', code: 224, data: fromHex('abcd') },
      { kind: 'message-type', type: DhcpMessageType.Ack },
    ]);
  });

  it('refuses what is not a well-formed DHCP message', () => {
    expect(errorOf(() => Dhcp.parse(DISCOVER.subarray(0, 239)))).toMatchObject({ code: 'truncated', layer: 'dhcp' });
    const noCookie = DISCOVER.slice();
    noCookie[236] = 0;
    expect(errorOf(() => Dhcp.parse(noCookie))).toMatchObject({ code: 'bad-value', layer: 'dhcp', offset: 236 });
    // The message ends after the host name's code, before its length.
    expect(errorOf(() => Dhcp.parse(DISCOVER.subarray(0, 253)))).toMatchObject({ code: 'truncated', offset: 252 });
    // The host name claims 9 bytes; the message ends after 2.
    const overrun = DISCOVER.slice(0, 256);
    overrun[253] = 9;
    expect(errorOf(() => Dhcp.parse(overrun))).toMatchObject({ code: 'truncated', offset: 253 });
    const shortMask = OFFER.slice();
    shortMask[240 + 27 + 1] = 3; // subnet mask of 3 bytes
    expect(errorOf(() => Dhcp.parse(shortMask))).toBeInstanceOf(FrameError);
    const badLease = OFFER.slice();
    badLease[240 + 9 + 1] = 2; // lease time of 2 bytes
    expect(errorOf(() => Dhcp.parse(badLease))).toMatchObject({ code: 'bad-length', offset: 250 });
  });

  it('refuses reprs it cannot write', () => {
    const emit =
      (options: DhcpOption[], extra: Partial<DhcpRepr> = {}) =>
      () =>
        Dhcp.emit({ ...DISCOVER_REPR, ...extra, options }, new Uint8Array(600));
    expect(errorOf(emit([{ kind: 'router', addresses: [] }]))).toMatchObject({ code: 'bad-value' });
    expect(errorOf(emit([{ kind: 'host-name', name: '' }]))).toMatchObject({ code: 'bad-value' });
    expect(errorOf(emit([{ kind: 'raw', code: 255, data: new Uint8Array(1) }]))).toMatchObject({ code: 'bad-value' });
    expect(errorOf(emit([{ kind: 'raw', code: 224, data: new Uint8Array(256) }]))).toMatchObject({ code: 'bad-value' });
    expect(errorOf(emit([{ kind: 'host-name', name: 'h\u0101' }]))).toMatchObject({ code: 'bad-value' });
    expect(errorOf(emit([], { sname: 's'.repeat(65) }))).toMatchObject({ code: 'bad-value' });
  });

  it('round-trips every repr', () => {
    const u8 = fc.integer({ min: 0, max: 255 });
    const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
    const latin1 = (min: number) => fc.integer({ min, max: 255 }).map((c) => String.fromCharCode(c));
    const addresses = fc.array(u32, { minLength: 1, maxLength: 4 });
    const typedCodes = new Set([0, 1, 3, 6, 12, 15, 50, 51, 53, 54, 55, 58, 59, 61, 255]);
    const option: fc.Arbitrary<DhcpOption> = fc.oneof(
      fc.record({ kind: fc.constant('message-type' as const), type: fc.integer({ min: 1, max: 8 }) }),
      fc.record({ kind: fc.constant('subnet-mask' as const), mask: u32 }),
      fc.record({ kind: fc.constantFrom('router' as const, 'dns-servers' as const), addresses }),
      fc.record({
        kind: fc.constantFrom('host-name' as const, 'domain-name' as const),
        name: fc.string({ unit: latin1(0), minLength: 1, maxLength: 30 }),
      }),
      fc.record({ kind: fc.constantFrom('requested-ip' as const, 'server-id' as const), address: u32 }),
      fc.record({ kind: fc.constantFrom('lease-time' as const, 'renewal-time' as const, 'rebinding-time' as const), seconds: u32 }),
      fc.record({ kind: fc.constant('parameter-request-list' as const), codes: fc.array(u8, { minLength: 1, maxLength: 12 }) }),
      fc.record({ kind: fc.constant('client-id' as const), type: u8, id: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
      fc.record({
        kind: fc.constant('raw' as const),
        code: u8.filter((c) => !typedCodes.has(c)),
        data: fc.uint8Array({ maxLength: 20 }),
      }),
    );
    const repr: fc.Arbitrary<DhcpRepr> = fc.record({
      op: fc.constantFrom(1, 2),
      htype: u8,
      hlen: u8,
      hops: u8,
      xid: u32,
      secs: fc.integer({ min: 0, max: 0xffff }),
      flags: fc.integer({ min: 0, max: 0xffff }),
      ciaddr: u32,
      yiaddr: u32,
      siaddr: u32,
      giaddr: u32,
      chaddr: fc.integer({ min: 0, max: 0xffff_ffff_ffff }),
      sname: fc.string({ unit: latin1(1), maxLength: 64 }),
      file: fc.string({ unit: latin1(1), maxLength: 128 }),
      options: fc.array(option, { maxLength: 8 }),
    });
    fc.assert(
      fc.property(repr, (r) => {
        const buf = new Uint8Array(Dhcp.bufferLen(r));
        expect(Dhcp.emit(r, buf)).toBe(buf.length);
        expect(buf.length).toBeGreaterThanOrEqual(BOOTP_MIN_LEN);
        expect(Dhcp.parse(buf)).toEqual(r);
      }),
    );
  });
});

describe('DHCP dissector', () => {
  it('names the fields of a DISCOVER as Wireshark does', () => {
    const d = dissect(DISCOVER_FRAME);
    expect(d.error).toBeUndefined();
    expect(d.layers.map((l) => l.protocol)).toEqual(['eth', 'ip', 'udp', 'dhcp']);
    expect(fieldMap(d)).toMatchObject({
      'dhcp.type': 1,
      'dhcp.hw.type': ['0x01', '0x01'],
      'dhcp.hw.len': 6,
      'dhcp.id': '0x12345678',
      'dhcp.flags': '0x8000',
      'dhcp.flags.bc': true,
      'dhcp.flags.reserved': '0x0000',
      'dhcp.ip.client': '0.0.0.0',
      // The header's client MAC, then the one in the client identifier.
      'dhcp.hw.mac_addr': ['02:00:00:00:00:01', '02:00:00:00:00:01'],
      'dhcp.hw.addr_padding': '00:00:00:00:00:00:00:00:00:00',
      'dhcp.server': '',
      'dhcp.file': '',
      'dhcp.cookie': '99.130.83.99',
      // Wireshark 4.0 shows End's type as 0.
      'dhcp.option.type': [53, 61, 12, 55, 0],
      'dhcp.option.length': [1, 7, 2, 6],
      'dhcp.option.value': ['01', '01:02:00:00:00:00:01', '68:31', '01:03:06:0f:33:36'],
      'dhcp.option.dhcp': 1,
      'dhcp.option.hostname': 'h1',
      'dhcp.option.request_list_item': [1, 3, 6, 15, 51, 54],
      'dhcp.option.end': 255,
      'dhcp.option.padding': zeros(35).replace(/(..)(?=.)/g, '$1:'),
    });
    expect(d.summary).toBe('IP 0.0.0.0.68 > 255.255.255.255.67: BOOTP/DHCP, Request from 02:00:00:00:00:01, length 300');
  });

  it('names the typed options of an OFFER', () => {
    const d = dissect(OFFER_FRAME);
    expect(fieldMap(d)).toMatchObject({
      'dhcp.type': 2,
      'dhcp.flags.bc': false,
      'dhcp.ip.your': '10.0.0.1',
      'dhcp.ip.server': '10.0.0.254',
      'dhcp.option.dhcp': 2,
      'dhcp.option.dhcp_server_id': '10.0.0.254',
      'dhcp.option.ip_address_lease_time': 3600,
      'dhcp.option.renewal_time_value': 1800,
      'dhcp.option.rebinding_time_value': 3150,
      'dhcp.option.subnet_mask': '255.255.255.0',
      'dhcp.option.router': '10.0.0.254',
      'dhcp.option.domain_name_server': ['10.0.0.254', '8.8.8.8'],
      'dhcp.option.domain_name': 'vnet.test',
    });
    expect(fieldMap(d)['dhcp.option.padding']).toBeUndefined();
    expect(d.summary).toBe('IP 10.0.0.254.67 > 10.0.0.1.68: BOOTP/DHCP, Reply, length 301');
  });

  it('follows option overload into sname and file', () => {
    // Option 52 = 3: sname holds a host name, file a domain name; both end in End.
    const payload = OFFER.slice(0, 240 + 5);
    payload.set(fromHex('340103ff00'), 240);
    payload.set(fromHex('0c026869ff0102'), 44);
    payload.set(fromHex('0f03616263ff0000aa'), 108);
    const f = fieldMap(dissect(inUdp('020000000001 0200000000fe 0800 4500011100010000401164dd0a0000fe0a000001 0043004400fd7e08', payload)));
    expect(f['dhcp.server']).toBeUndefined();
    expect(f['dhcp.file']).toBeUndefined();
    expect(f['dhcp.bootp']).toBe(true);
    expect(f).toMatchObject({
      'dhcp.option.option_overload': 3,
      'dhcp.option.hostname': 'hi',
      'dhcp.option.domain_name': 'abc',
      'dhcp.option.end': [255, 255, 255],
      'dhcp.option.padding': '00',
    });
  });

  it('keeps the header fields of a message without the DHCP cookie and reports it malformed', () => {
    const payload = DISCOVER.slice();
    payload[239] = 0;
    const d = dissect(inUdp('ffffffffffff 020000000001 0800 4500014800010000401179a500000000ffffffff 00440043013430a8', payload));
    expect(d.error).toMatchObject({ code: 'bad-value', layer: 'dhcp' });
    expect(d.layers.map((l) => l.protocol)).toEqual(['eth', 'ip', 'udp']);
    expect(d.summary).toMatch(
      /^IP 0\.0\.0\.0\.68 > 255\.255\.255\.255\.67: BOOTP\/DHCP, Request from 02:00:00:00:00:01, length 300 \[malformed: /,
    );
  });
});
