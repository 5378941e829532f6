import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Dns,
  DnsClass,
  DnsFlags,
  DnsMessage,
  DnsRcode,
  type DnsRecord,
  type DnsRecordData,
  type DnsRepr,
  DnsType,
  dissect,
  dnsNameLabels,
  FrameError,
  fieldMap,
  fromHex,
  parseIpv4,
  parseIpv6,
  readDnsName,
  toHex,
} from '../src/index.js';

// scapy: DNS(id=0x1234, rd=1, qd=DNSQR(qname='example.com', qtype='A'))
const QUERY = fromHex('1234 0100 0001 0000 0000 0000 076578616d706c6503636f6d00 0001 0001');
// scapy: dns_compress(DNS(id=0x1234, qr=1, rd=1, ra=1, qd=…, an=DNSRR(rrname='example.com', ttl=300,
// rdata='93.184.216.34')))
const RESPONSE = fromHex('1234 8180 0001 0001 0000 0000 076578616d706c6503636f6d00 0001 0001 c00c 0001 0001 0000012c 0004 5db8d822');
// scapy: dns_compress(DNS(id=7, qr=1, aa=1, rd=1, ra=1, qd=AAAA? www.example.com, an=CNAME example.com +
// AAAA 2001:db8::1, ns=NS ns.example.com, ar=A 192.0.2.53 + DNSRROPT(rclass=1232)))
const BIG = fromHex(
  `0007 8580 0001 0002 0001 0002 03777777076578616d706c6503636f6d00 001c 0001
   c00c 0005 0001 0000003c 0002 c010
   c010 001c 0001 0000003c 0010 20010db8000000000000000000000001
   c010 0002 0001 00000e10 0005 026e73c010
   c057 0001 0001 00000e10 0004 c0000235
   00 0029 04d0 00008000 0000`,
);

const HEADER = {
  id: 0x1234,
  response: false,
  opcode: 0,
  authoritative: false,
  truncated: false,
  recursionDesired: true,
  recursionAvailable: false,
  z: false,
  authenticData: false,
  checkingDisabled: false,
  rcode: 0,
};

const QUERY_REPR: DnsRepr = {
  ...HEADER,
  questions: [{ name: 'example.com', type: DnsType.A, class: DnsClass.IN }],
  answers: [],
  authorities: [],
  additionals: [],
};

const RESPONSE_REPR: DnsRepr = {
  ...QUERY_REPR,
  response: true,
  recursionAvailable: true,
  answers: [
    { name: 'example.com', type: DnsType.A, class: DnsClass.IN, ttl: 300, data: { kind: 'a', address: parseIpv4('93.184.216.34') } },
  ],
};

const rr = (name: string, type: number, ttl: number, data: DnsRecordData, cls: number = DnsClass.IN): DnsRecord => ({
  name,
  type,
  class: cls,
  ttl,
  data,
});

const BIG_REPR: DnsRepr = {
  ...HEADER,
  id: 7,
  response: true,
  authoritative: true,
  recursionAvailable: true,
  questions: [{ name: 'www.example.com', type: DnsType.AAAA, class: DnsClass.IN }],
  answers: [
    rr('www.example.com', DnsType.CNAME, 60, { kind: 'cname', name: 'example.com' }),
    rr('example.com', DnsType.AAAA, 60, { kind: 'aaaa', address: parseIpv6('2001:db8::1') }),
  ],
  authorities: [rr('example.com', DnsType.NS, 3600, { kind: 'ns', name: 'ns.example.com' })],
  additionals: [
    rr('ns.example.com', DnsType.A, 3600, { kind: 'a', address: parseIpv4('192.0.2.53') }),
    // EDNS0: the class is the UDP payload size, the TTL carries the DO bit.
    rr('', DnsType.OPT, 0x8000, { kind: 'raw', data: new Uint8Array(0) }, 1232),
  ],
};

/** Ethernet, IPv4 and UDP headers (from scapy) in front of a DNS message. */
function inUdp(headers: string, message: string | Uint8Array): Uint8Array {
  const h = fromHex(headers);
  const m = typeof message === 'string' ? fromHex(message) : message;
  const out = new Uint8Array(h.length + m.length);
  out.set(h);
  out.set(m, h.length);
  return out;
}

const QUERY_FRAME = inUdp('020000000002 020000000001 0800 4500003900010000401166b10a0000010a000002 14e900350025f4e1', QUERY);
const RESPONSE_FRAME = inUdp('020000000001 020000000002 0800 4500004900010000401166a10a0000020a000001 003514e900355a49', RESPONSE);
const BIG_FRAME = inUdp('020000000001 020000000002 0800 4500009300010000401166570a0000020a000001 003580e8007f08fc', BIG);
// scapy: mDNS query for h2.local A with the unicast-response bit, and the answer (A and TXT, cache flush).
const MDNS_QUERY_FRAME = inUdp(
  '01005e0000fb 020000000001 0800 4500003600010000ff11d0b90a000001e00000fb 14e914e90022f999',
  '0000 0100 0001 0000 0000 0000 026832056c6f63616c00 0001 8001',
);
const MDNS_ANSWER_FRAME = inUdp(
  '01005e0000fb 020000000002 0800 4500005700010000ff11d0970a000002e00000fb 14e914e9004372b7',
  `0000 8500 0000 0002 0000 0000 026832056c6f63616c00 0001 8001 00000078 0004 0a000002
   c00c 0010 8001 00001194 000b 06706174683d2f 03763d31`,
);
// scapy: SRV, MX and PTR answers; an NXDOMAIN with the zone's SOA.
const SRV_FRAME = inUdp(
  '020000000001 020000000002 0800 4500009600010000401166540a0000020a000001 003580e80082ef51',
  `000a 8180 0001 0003 0000 0000 045f736970045f756470076578616d706c6503636f6d00 0021 0001
   c00c 0021 0001 0000003c 000c 000a 0005 13c4 03736970c016
   c039 000f 0001 0000003c 0009 000a 046d61696cc016
   01310130013002313007696e2d616464720461727061 00 000c 0001 0000003c 0005 026831c016`,
);
const SOA_FRAME = inUdp(
  '020000000001 020000000002 0800 4500007900010000401166710a0000020a000001 003580e80065cbd9',
  `0009 8503 0001 0000 0001 0000 026e78076578616d706c6503636f6d00 0001 0001
   076578616d706c6503636f6d00 0006 0001 0000003c 0026 026e73c00f 0a686f73746d6173746572c00f
   78a3f175 00001c20 00000e10 00127500 0000012c`,
);

/** A frame from 10.0.0.2:53 to 10.0.0.1:33000 around any payload (checksums left zero). */
function udpFrame(payload: Uint8Array): Uint8Array {
  const hex = (v: number) => v.toString(16).padStart(4, '0');
  return inUdp(
    `020000000001 020000000002 0800 4500 ${hex(28 + payload.length)} 0001 0000 4011 0000 0a000002 0a000001 0035 80e8 ${hex(8 + payload.length)} 0000`,
    payload,
  );
}

function errorOf(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

function emitted(repr: DnsRepr): Uint8Array {
  const buf = new Uint8Array(Dns.bufferLen(repr));
  expect(Dns.emit(repr, buf)).toBe(buf.length);
  return buf;
}

describe('DNS', () => {
  it('deconstructs', () => {
    const m = DnsMessage.checked(RESPONSE);
    expect([m.id, m.flags, m.response, m.opcode, m.authoritative, m.truncated]).toEqual([0x1234, 0x8180, true, 0, false, false]);
    expect([m.recursionDesired, m.recursionAvailable, m.z, m.authenticData, m.checkingDisabled, m.rcode]).toEqual([
      true,
      true,
      false,
      false,
      false,
      0,
    ]);
    expect([m.qdcount, m.ancount, m.nscount, m.arcount]).toEqual([1, 1, 0, 0]);
    expect(m.payloadOffset).toBe(12);
    expect(readDnsName(RESPONSE, 0, RESPONSE.length, 29)).toEqual({ name: 'example.com', next: 31 });
  });

  it('constructs through setters', () => {
    const buf = QUERY.slice();
    const m = new DnsMessage(buf);
    m.id = 0xbeef;
    m.flags = DnsFlags.QR | DnsFlags.AA | DnsRcode.NXDomain;
    m.ancount = 2;
    expect(toHex(buf.subarray(0, 12))).toBe('beef840300010002' + '00000000');
    expect([m.response, m.authoritative, m.rcode]).toEqual([true, true, DnsRcode.NXDomain]);
  });

  it('parses', () => {
    expect(Dns.parse(QUERY)).toEqual(QUERY_REPR);
    expect(Dns.parse(RESPONSE)).toEqual(RESPONSE_REPR);
    expect(Dns.parse(BIG)).toEqual(BIG_REPR);
  });

  it('emits byte for byte what scapy built, names compressed', () => {
    expect(emitted(QUERY_REPR)).toEqual(QUERY);
    expect(emitted(RESPONSE_REPR)).toEqual(RESPONSE);
    expect(emitted(BIG_REPR)).toEqual(BIG);
  });

  it('reads every typed record', () => {
    const srv = Dns.parse(SRV_FRAME, 42);
    expect(srv.answers.map((r) => r.data)).toEqual([
      { kind: 'srv', priority: 10, weight: 5, port: 5060, target: 'sip.example.com' },
      { kind: 'mx', preference: 10, exchange: 'mail.example.com' },
      { kind: 'ptr', name: 'h1.example.com' },
    ]);
    expect(Dns.parse(SOA_FRAME, 42).authorities[0].data).toEqual({
      kind: 'soa',
      mname: 'ns.example.com',
      rname: 'hostmaster.example.com',
      serial: 2024010101,
      refresh: 7200,
      retry: 3600,
      expire: 1209600,
      minimum: 300,
    });
    const mdns = Dns.parse(MDNS_ANSWER_FRAME, 42);
    expect(mdns.answers[1]).toEqual(rr('h2.local', DnsType.TXT, 4500, { kind: 'txt', strings: ['path=/', 'v=1'] }, 0x8001));
  });

  it('keeps any label bytes in master-file text', () => {
    const name = fromHex('03612e62 025c41 03002062 00');
    const { name: text } = readDnsName(name, 0, name.length, 0);
    expect(text).toBe('a\\.b.\\\\A.\\000\\032b');
    expect(dnsNameLabels(text)).toEqual([fromHex('612e62'), fromHex('5c41'), fromHex('002062')]);
    expect(dnsNameLabels('example.com.')).toEqual(dnsNameLabels('example.com'));
    expect(dnsNameLabels('')).toEqual([]);
    const repr: DnsRepr = { ...QUERY_REPR, questions: [{ name: text, type: DnsType.A, class: DnsClass.IN }] };
    expect(Dns.parse(emitted(repr))).toEqual(repr);
  });

  it('refuses names that loop, point forward, or break the limits', () => {
    const header = '0001 0100 0001 0000 0000 0000';
    const parse = (question: string) => () => Dns.parse(fromHex(`${header} ${question}`));
    expect(errorOf(parse('c00c 0001 0001'))).toMatchObject({ code: 'bad-value', layer: 'dns', offset: 12 });
    expect(errorOf(parse('0161 c012 0001 0001 0162 00'))).toMatchObject({ code: 'bad-value', offset: 14 });
    expect(errorOf(parse('0161 cfff 0001 0001'))).toMatchObject({ code: 'bad-value' });
    expect(errorOf(parse(`40 ${'61'.repeat(64)} 00 0001 0001`))).toMatchObject({ code: 'bad-value', offset: 12 });
    expect(errorOf(parse(`${`3f${'61'.repeat(63)}`.repeat(4)} 00 0001 0001`))).toMatchObject({ code: 'bad-value' });
    expect(errorOf(parse('0161 00 0001'))).toMatchObject({ code: 'truncated' });
    expect(errorOf(parse('0561 00'))).toMatchObject({ code: 'truncated' });
    // A chain of pointers, each to the one before, ending at the root.
    const chain = (n: number) => {
      const b = new Uint8Array(1 + 2 * n);
      for (let k = 0; k < n; k++) b.set([0xc0, k === 0 ? 0 : 2 * k - 1], 1 + 2 * k);
      return () => readDnsName(b, 0, b.length, b.length - 2);
    };
    expect(chain(128)()).toEqual({ name: '', next: 257 });
    expect(errorOf(chain(129))).toMatchObject({ code: 'bad-value' });
    // Two jumps, each strictly backwards, are fine.
    const chained = fromHex(`0001 0100 0002 0000 0000 0000 0161 00 0001 0001 0162 c00c 0001 0001 0163 c013 0001 0001`);
    chained[5] = 3;
    expect(Dns.parse(chained).questions.map((q) => q.name)).toEqual(['a', 'b.a', 'c.b.a']);
  });

  it('refuses records that do not fit', () => {
    expect(errorOf(() => Dns.parse(RESPONSE.subarray(0, 11)))).toMatchObject({ code: 'truncated', layer: 'dns' });
    expect(errorOf(() => Dns.parse(RESPONSE.subarray(0, RESPONSE.length - 1)))).toMatchObject({ code: 'truncated' });
    const longA = fromHex(`${toHex(RESPONSE.subarray(0, 39))} 0005 5db8d82200`);
    expect(errorOf(() => Dns.parse(longA))).toMatchObject({ code: 'bad-length' });
    const cnameTail = fromHex(`${toHex(RESPONSE.subarray(0, 31))} 0005 0001 0000012c 0003 00 0000`);
    expect(errorOf(() => Dns.parse(cnameTail))).toMatchObject({ code: 'bad-length' });
  });

  it('refuses reprs it cannot write', () => {
    const withName = (name: string) => () => Dns.bufferLen({ ...QUERY_REPR, questions: [{ name, type: 1, class: 1 }] });
    expect(errorOf(withName(`${'a'.repeat(64)}.com`))).toMatchObject({ code: 'bad-value' });
    expect(errorOf(withName('a..com'))).toMatchObject({ code: 'bad-value' });
    expect(errorOf(withName('caf\u00e9\u0101'))).toMatchObject({ code: 'bad-value' });
    expect(errorOf(withName(Array.from({ length: 5 }, () => 'a'.repeat(63)).join('.')))).toMatchObject({ code: 'bad-value' });
    expect(errorOf(() => Dns.bufferLen({ ...QUERY_REPR, rcode: 16 }))).toMatchObject({ code: 'bad-value' });
    const mismatched = { ...RESPONSE_REPR, answers: [rr('a', DnsType.A, 1, { kind: 'cname', name: 'b' })] };
    expect(errorOf(() => Dns.bufferLen(mismatched))).toMatchObject({ code: 'bad-value' });
    expect(errorOf(() => Dns.emit(RESPONSE_REPR, new Uint8Array(40)))).toMatchObject({ code: 'truncated' });
  });

  it('round-trips every repr', () => {
    const u16 = fc.integer({ min: 0, max: 0xffff });
    const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
    // Canonical master-file text of one label byte, as `parse` writes it.
    const labelChar = fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCXYZ0123456789-_*') },
      fc.constantFrom('\\.', '\\\\'),
      fc
        .integer({ min: 0, max: 255 })
        .filter((c) => c < 0x21 || c > 0x7e)
        .map((c) => `\\${String(c).padStart(3, '0')}`),
    );
    const label = fc.array(labelChar, { minLength: 1, maxLength: 12 }).map((cs) => cs.join(''));
    // A small alphabet of labels makes shared suffixes, so compression is exercised.
    const name = fc.array(fc.oneof(fc.constantFrom('com', 'example', 'www', 'local'), label), { maxLength: 4 }).map((ls) => ls.join('.'));
    const latin1 = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 20 });
    const entry = (type: number, data: DnsRecordData): [number, DnsRecordData] => [type, data];
    const typed: fc.Arbitrary<[number, DnsRecordData]> = fc.oneof(
      u32.map((address) => entry(DnsType.A, { kind: 'a', address })),
      fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map((address) => entry(DnsType.AAAA, { kind: 'aaaa', address })),
      name.map((n) => entry(DnsType.NS, { kind: 'ns', name: n })),
      name.map((n) => entry(DnsType.CNAME, { kind: 'cname', name: n })),
      name.map((n) => entry(DnsType.PTR, { kind: 'ptr', name: n })),
      fc.tuple(u16, name).map(([preference, exchange]) => entry(DnsType.MX, { kind: 'mx', preference, exchange })),
      fc.array(latin1, { maxLength: 3 }).map((strings) => entry(DnsType.TXT, { kind: 'txt', strings })),
      fc
        .tuple(name, name, u32, u32, u32, u32, u32)
        .map(([mname, rname, serial, refresh, retry, expire, minimum]) =>
          entry(DnsType.SOA, { kind: 'soa', mname, rname, serial, refresh, retry, expire, minimum }),
        ),
      fc
        .tuple(u16, u16, u16, name)
        .map(([priority, weight, port, target]) => entry(DnsType.SRV, { kind: 'srv', priority, weight, port, target })),
      fc
        .tuple(fc.constantFrom(DnsType.OPT, DnsType.HINFO, 99, 1000, 65535), fc.uint8Array({ maxLength: 12 }))
        .map(([type, data]) => entry(type, { kind: 'raw', data })),
    );
    const record = fc.tuple(name, typed, u16, u32).map(([n, [type, data], cls, ttl]) => rr(n, type, ttl, data, cls));
    const records = fc.array(record, { maxLength: 3 });
    const repr: fc.Arbitrary<DnsRepr> = fc.record({
      id: u16,
      response: fc.boolean(),
      opcode: fc.integer({ min: 0, max: 15 }),
      authoritative: fc.boolean(),
      truncated: fc.boolean(),
      recursionDesired: fc.boolean(),
      recursionAvailable: fc.boolean(),
      z: fc.boolean(),
      authenticData: fc.boolean(),
      checkingDisabled: fc.boolean(),
      rcode: fc.integer({ min: 0, max: 15 }),
      questions: fc.array(fc.record({ name, type: u16, class: u16 }), { maxLength: 3 }),
      answers: records,
      authorities: records,
      additionals: records,
    });
    fc.assert(
      fc.property(repr, (r) => {
        expect(Dns.parse(emitted(r))).toEqual(r);
      }),
    );
  });

  it('lets only FrameError escape for any bytes', () => {
    const valid = [QUERY, RESPONSE, BIG, SRV_FRAME.subarray(42), SOA_FRAME.subarray(42)];
    const mutated = fc
      .tuple(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat())
      .map(([m, edits, cut]) => {
        const b = m.slice(0, m.length - (cut % 4));
        for (const [at, v] of edits) b[at % b.length] = v;
        return b;
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 80 }), mutated), (b) => {
        const e = errorOf(() => Dns.parse(b));
        if (e !== undefined) expect(e).toBeInstanceOf(FrameError);
        expect(() => dissect(udpFrame(b))).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });
});

describe('DNS dissector', () => {
  it('names the fields of a query as Wireshark does and prints it as tcpdump does', () => {
    const d = dissect(QUERY_FRAME);
    expect(d.layers.map((l) => l.protocol)).toEqual(['eth', 'ip', 'udp', 'dns']);
    const f = fieldMap(d);
    expect(f).toEqual(
      expect.objectContaining({
        'dns.id': '0x1234',
        'dns.flags': '0x0100',
        'dns.flags.response': false,
        'dns.flags.opcode': 0,
        'dns.flags.truncated': false,
        'dns.flags.recdesired': true,
        'dns.flags.z': false,
        'dns.flags.checkdisable': false,
        'dns.count.queries': 1,
        'dns.count.answers': 0,
        'dns.count.auth_rr': 0,
        'dns.count.add_rr': 0,
        'dns.qry.name': 'example.com',
        'dns.qry.type': 1,
        'dns.qry.class': '0x0001',
      }),
    );
    // Wireshark shows these flags only in responses.
    expect(f['dns.flags.authoritative']).toBeUndefined();
    expect(f['dns.flags.rcode']).toBeUndefined();
    expect(d.summary).toBe('IP 10.0.0.1.5353 > 10.0.0.2.53: 4660+ A? example.com. (29)');
  });

  it('names the fields of a response', () => {
    const d = dissect(RESPONSE_FRAME);
    expect(fieldMap(d)).toMatchObject({
      'dns.flags': '0x8180',
      'dns.flags.authoritative': false,
      'dns.flags.recavail': true,
      'dns.flags.authenticated': false,
      'dns.flags.rcode': 0,
      'dns.resp.name': 'example.com',
      'dns.resp.type': 1,
      'dns.resp.class': '0x0001',
      'dns.resp.ttl': 300,
      'dns.resp.len': 4,
      'dns.a': '93.184.216.34',
    });
    expect(d.summary).toBe('IP 10.0.0.2.53 > 10.0.0.1.5353: 4660 1/0/0 A 93.184.216.34 (45)');
  });

  it('walks every section, EDNS0 included', () => {
    const d = dissect(BIG_FRAME);
    expect(fieldMap(d)).toMatchObject({
      'dns.count.auth_rr': 1,
      'dns.count.add_rr': 2,
      'dns.resp.name': ['www.example.com', 'example.com', 'example.com', 'ns.example.com', '<Root>'],
      'dns.resp.type': [5, 28, 2, 1, 41],
      // OPT has no class and TTL: its payload size and EDNS fields stand there.
      'dns.resp.class': ['0x0001', '0x0001', '0x0001', '0x0001'],
      'dns.resp.len': [2, 16, 5, 4, 0],
      'dns.cname': 'example.com',
      'dns.aaaa': '2001:db8::1',
      'dns.ns': 'ns.example.com',
      'dns.a': '192.0.2.53',
      'dns.rr.udp_payload_size': 1232,
      'dns.resp.ext_rcode': '0x00',
      'dns.resp.edns0_version': 0,
      'dns.resp.z': '0x8000',
      'dns.resp.z.do': true,
      'dns.resp.z.reserved': '0x0000',
    });
    expect(d.summary).toBe('IP 10.0.0.2.53 > 10.0.0.1.33000: 7* 2/1/2 CNAME example.com., AAAA 2001:db8::1 (119)');
  });

  it('shows SRV, MX, PTR and SOA data', () => {
    const srv = dissect(SRV_FRAME);
    expect(fieldMap(srv)).toMatchObject({
      // Wireshark splits an SRV owner instead of naming it dns.resp.name.
      'dns.srv.service': '_sip',
      'dns.srv.proto': '_udp',
      'dns.srv.name': 'example.com',
      'dns.resp.name': ['sip.example.com', '1.0.0.10.in-addr.arpa'],
      'dns.srv.priority': 10,
      'dns.srv.weight': 5,
      'dns.srv.port': 5060,
      'dns.srv.target': 'sip.example.com',
      'dns.mx.preference': 10,
      'dns.mx.mail_exchange': 'mail.example.com',
      'dns.ptr.domain_name': 'h1.example.com',
    });
    expect(srv.summary).toBe(
      'IP 10.0.0.2.53 > 10.0.0.1.33000: 10 3/0/0 SRV sip.example.com.:5060 10 5, MX mail.example.com. 10, PTR h1.example.com. (122)',
    );
    const soa = dissect(SOA_FRAME);
    expect(fieldMap(soa)).toMatchObject({
      'dns.flags.rcode': 3,
      'dns.soa.mname': 'ns.example.com',
      'dns.soa.rname': 'hostmaster.example.com',
      'dns.soa.serial_number': 2024010101,
      'dns.soa.refresh_interval': 7200,
      'dns.soa.retry_interval': 3600,
      'dns.soa.expire_limit': 1209600,
      'dns.soa.minimum_ttl': 300,
    });
    expect(soa.summary).toBe('IP 10.0.0.2.53 > 10.0.0.1.33000: 9 NXDomain*- 0/1/0 (93)');
  });

  it('calls port 5353 mdns and splits the class top bit off', () => {
    const q = dissect(MDNS_QUERY_FRAME);
    expect(q.layers.map((l) => l.protocol)).toEqual(['eth', 'ip', 'udp', 'mdns']);
    expect(fieldMap(q)).toMatchObject({ 'dns.qry.name': 'h2.local', 'dns.qry.class': '0x0001', 'dns.qry.qu': true });
    expect(q.summary).toBe('IP 10.0.0.1.5353 > 224.0.0.251.5353: 0+ A (QU)? h2.local. (26)');
    const a = dissect(MDNS_ANSWER_FRAME);
    expect(fieldMap(a)).toMatchObject({
      'dns.resp.class': ['0x0001', '0x0001'],
      'dns.resp.cache_flush': [true, true],
      'dns.resp.ttl': [120, 4500],
      'dns.a': '10.0.0.2',
      'dns.txt.length': [6, 3],
      'dns.txt': ['path=/', 'v=1'],
    });
    expect(a.summary).toBe(
      'IP 10.0.0.2.5353 > 224.0.0.251.5353: 0*- [0q] 2/0/0 (Cache flush) A 10.0.0.2, (Cache flush) TXT "path=/" "v=1" (59)',
    );
  });

  it('keeps what precedes a broken name and reports the frame malformed', () => {
    const loop = QUERY.slice();
    loop.set([0xc0, 0x0c], 12);
    const d = dissect(inUdp('020000000002 020000000001 0800 4500003900010000401166b10a0000010a000002 14e900350025f4e1', loop));
    expect(d.error).toMatchObject({ code: 'bad-value', layer: 'dns' });
    expect(fieldMap(d)).toMatchObject({ 'dns.id': '0x1234', 'dns.count.queries': 1 });
    expect(fieldMap(d)['dns.qry.name']).toBeUndefined();
    expect(d.summary).toMatch(/^IP 10\.0\.0\.1\.5353 > 10\.0\.0\.2\.53: 4660\+ \[malformed: /);
  });
});
