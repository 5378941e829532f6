import { formatIpv4 } from '../address/ipv4.js';
import { formatIpv6, ipv6At } from '../address/ipv6.js';
import { u16, u32 } from '../bytes.js';
import { FrameError, needBytes } from '../errors.js';
import { DnsMessage, DnsOpcode, DnsPort, DnsType, dnsRecordDataBounds, walkDnsName } from '../proto/dns.js';
import { add, asciiValue, bytesValue, type Dissector, hexNum, type Layer, udpPortsBefore } from './context.js';

// Names as the two references print them. Wireshark shows labels as UTF-8 text with ASCII
// control characters escaped C-style (`\t`, `\001`), other unprintable characters as `\uXXXX`
// and each broken sequence as one U+FFFD, and the root as <Root>; tcpdump prints bytes in
// `cat -v` style (`^A`, `M-^?`), each label followed by a dot.

const C_ESCAPES: Record<number, string | undefined> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r' };
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cn}\p{Cs}]/u;

/** Continuation bytes a UTF-8 lead byte announces (the old 5- and 6-byte forms included), or -1. */
function continuations(lead: number): number {
  if (lead < 0xc0 || lead > 0xfd) return -1;
  return lead >= 0xfc ? 5 : lead >= 0xf8 ? 4 : lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : 1;
}

function sharkLabel(b: Uint8Array, start: number, len: number): string {
  const end = start + len;
  let s = '';
  for (let i = start; i < end; ) {
    const c = b[i++];
    if (c < 0x80) {
      s += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : (C_ESCAPES[c] ?? `\\${c.toString(8).padStart(3, '0')}`);
      continue;
    }
    const n = continuations(c);
    let cp = c & (0x7f >> (n + 1));
    let k = 0;
    for (; k < n && i < end && (b[i] & 0xc0) === 0x80; k++) cp = (cp << 6) | (b[i++] & 0x3f);
    // Overlong forms decode (Wireshark accepts them); truncated ones, surrogates and values
    // beyond U+10FFFF do not.
    if (n < 0 || k < n || cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      s += '\ufffd';
      continue;
    }
    const ch = String.fromCodePoint(cp);
    if (!UNPRINTABLE.test(ch)) s += ch;
    else s += cp > 0xffff ? `\\U${cp.toString(16).toUpperCase().padStart(8, '0')}` : `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return s;
}

function dumpChars(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) {
    let c = b[i];
    if (c >= 0x80) {
      s += 'M-';
      c &= 0x7f;
    }
    s += c < 0x20 ? `^${String.fromCharCode(c + 0x40)}` : c === 0x7f ? '^?' : String.fromCharCode(c);
  }
  return s;
}

interface ShownName {
  /** Wireshark's text of each label. */
  labels: string[];
  shark: string;
  dump: string;
  next: number;
}

function showName(b: Uint8Array, msg: number, end: number, at: number): ShownName {
  const labels: string[] = [];
  let dump = '';
  const next = walkDnsName(b, msg, end, at, (start, len) => {
    labels.push(sharkLabel(b, start, len));
    dump += `${dumpChars(b, start, start + len)}.`;
  });
  return { labels, shark: labels.length === 0 ? '<Root>' : labels.join('.'), dump: dump || '.', next };
}

// tcpdump's names for types, classes, opcodes and rcodes (4.99).
const DUMP_TYPES = [
  'A NS MD MF CNAME SOA MB MG MR NULL WKS PTR HINFO MINFO MX TXT RP AFSDB X25 ISDN RT NSAP NSAP_PTR SIG KEY PX GPOS AAAA LOC NXT EID',
  'NIMLOC SRV ATMA NAPTR KX CERT A6 DNAME SINK OPT APL DS SSHFP IPSECKEY RRSIG NSEC DNSKEY',
]
  .join(' ')
  .split(' ');
const DUMP_TYPES_HIGH: Record<number, string | undefined> = {
  99: 'SPF',
  100: 'UINFO',
  101: 'UID',
  102: 'GID',
  103: 'UNSPEC',
  104: 'UNSPECA',
  249: 'TKEY',
  250: 'TSIG',
  251: 'IXFR',
  252: 'AXFR',
  253: 'MAILB',
  254: 'MAILA',
  255: 'ANY',
  256: 'URI',
};
const DUMP_CLASSES: Record<number, string | undefined> = { 3: 'CHAOS', 4: 'HS', 255: 'ANY' };
const DUMP_OPCODES = [
  '',
  ' inv_q',
  ' stat',
  ' op3',
  ' notify',
  ' update',
  ' op6',
  ' op7',
  ' op8',
  ' updateA',
  ' updateD',
  ' updateDA',
  ' updateM',
  ' updateMA',
  ' zoneInit',
  ' zoneRef',
];
const DUMP_RCODES = [
  '',
  ' FormErr',
  ' ServFail',
  ' NXDomain',
  ' NotImp',
  ' Refused',
  ' YXDomain',
  ' YXRRSet',
  ' NXRRSet',
  ' NotAuth',
  ' NotZone',
  ' Resp11',
  ' Resp12',
  ' Resp13',
  ' Resp14',
  ' NoChange',
];

function dumpType(type: number): string {
  return (type >= 1 && type <= DUMP_TYPES.length ? DUMP_TYPES[type - 1] : DUMP_TYPES_HIGH[type]) ?? `Type${type}`;
}

/** tcpdump's class text: nothing for IN, and in mDNS the top bit as QU/QM or cache flush. */
function dumpClass(cls: number, mdns: boolean, question: boolean): string {
  const c = mdns ? cls & 0x7fff : cls;
  let s = c === 1 ? '' : ` ${DUMP_CLASSES[c] ?? `(Class ${c})`}`;
  if (mdns && question) s += cls & 0x8000 ? ' (QU)' : ' (QM)';
  else if (mdns && cls & 0x8000) s += ' (Cache flush)';
  return s;
}

const NAME_FIELDS: Record<number, string | undefined> = {
  [DnsType.NS]: 'dns.ns',
  [DnsType.CNAME]: 'dns.cname',
  [DnsType.PTR]: 'dns.ptr.domain_name',
};

/** DNAME, which tcpdump prints like CNAME, and SPF, which Wireshark shows like TXT. */
const DNAME = 39;
const SPF = 99;

/**
 * The shortest EDNS option data Wireshark accepts for the options it decodes: client subnet (8),
 * cookie (10), extended error (15, which may also be empty).
 */
function ednsOptionTooShort(code: number, len: number): boolean {
  return (code === 8 && len < 4) || (code === 10 && len < 8) || (code === 15 && len === 1);
}

/**
 * Checks that `len` bytes of fixed record data lie at `at` in the message. Like Wireshark (and
 * tcpdump), fields are read past a too-short data length, as long as the message has the bytes.
 */
function fixedData(at: number, len: number, msgEnd: number, what: string): number {
  if (at + len > msgEnd) throw new FrameError('truncated', 'dns', at, `the message ends before the record's ${what}`);
  return at;
}

/**
 * One resource record: its fields, tcpdump's text for it (printed for answers) and where the
 * next record starts.
 */
function dissectRecord(l: Layer, b: Uint8Array, msg: number, end: number, at: number, mdns: boolean): { text: string; next: number } {
  const owner = showName(b, msg, end, at);
  const { data, dataEnd } = dnsRecordDataBounds(b, end, owner.next);
  const fixed = owner.next;
  const type = u16(b, fixed);
  const cls = u16(b, fixed + 2);
  const ttl = u32(b, fixed + 4);
  const len = dataEnd - data;
  if (type === DnsType.SRV) {
    // Wireshark splits an SRV owner into _service._proto.name.
    const [service = '<Root>', proto, ...rest] = owner.labels;
    add(l, 'dns.srv.service', service, at, owner.next - at);
    if (proto !== undefined) add(l, 'dns.srv.proto', proto, at, owner.next - at);
    if (rest.length > 0) add(l, 'dns.srv.name', rest.join('.'), at, owner.next - at);
  } else {
    add(l, 'dns.resp.name', owner.shark, at, owner.next - at);
  }
  add(l, 'dns.resp.type', type, fixed, 2);
  if (type === DnsType.OPT) {
    // mDNS reads the payload size like a class: the top bit apart, and shown in hex.
    add(l, 'dns.rr.udp_payload_size', mdns ? hexNum(cls & 0x7fff, 4) : cls, fixed + 2, 2);
    if (mdns) add(l, 'dns.resp.cache_flush', (cls & 0x8000) !== 0, fixed + 2, 2);
    add(l, 'dns.resp.ext_rcode', hexNum(ttl >>> 24, 2), fixed + 4, 1);
    add(l, 'dns.resp.edns0_version', (ttl >>> 16) & 0xff, fixed + 5, 1);
    add(l, 'dns.resp.z', hexNum(ttl & 0xffff, 4), fixed + 6, 2);
    add(l, 'dns.resp.z.do', (ttl & 0x8000) !== 0, fixed + 6, 2);
    add(l, 'dns.resp.z.reserved', hexNum(ttl & 0x7fff, 4), fixed + 6, 2);
  } else {
    add(l, 'dns.resp.class', hexNum(mdns ? cls & 0x7fff : cls, 4), fixed + 2, 2);
    if (mdns) add(l, 'dns.resp.cache_flush', (cls & 0x8000) !== 0, fixed + 2, 2);
    add(l, 'dns.resp.ttl', ttl, fixed + 4, 4);
  }
  add(l, 'dns.resp.len', len, fixed + 8, 2);

  const text = `${type === DnsType.OPT ? '' : dumpClass(cls, mdns, false)} ${dumpType(type)}`;
  // Wireshark shows no data fields for empty record data.
  const shown =
    len === 0 ? (type === DnsType.OPT ? optText(cls, ttl) : '') : dissectRecordData(l, b, msg, end, type, cls, ttl, data, dataEnd);
  return { text: text + shown, next: dataEnd };
}

/** tcpdump's text for an OPT record: the UDP payload size and the DNSSEC OK bit. */
function optText(cls: number, ttl: number): string {
  return ` UDPsize=${cls}${ttl & 0x8000 ? ' DO' : ''}`;
}

/** The data fields of a record with data in `[data, dataEnd)`, and tcpdump's text for them. */
function dissectRecordData(
  l: Layer,
  b: Uint8Array,
  msg: number,
  end: number,
  type: number,
  cls: number,
  ttl: number,
  data: number,
  dataEnd: number,
): string {
  let text = '';
  const nameField = NAME_FIELDS[type];
  if (nameField !== undefined || type === DNAME) {
    const n = showName(b, msg, end, data);
    if (nameField !== undefined) add(l, nameField, n.shark, data, n.next - data);
    text += ` ${n.dump}`;
  } else {
    switch (type) {
      case DnsType.A: {
        const a = u32(b, fixedData(data, 4, end, 'IPv4 address'));
        add(l, 'dns.a', formatIpv4(a), data, 4);
        text += ` ${formatIpv4(a)}`;
        break;
      }
      case DnsType.AAAA: {
        const a = formatIpv6(ipv6At(b, fixedData(data, 16, end, 'IPv6 address')));
        add(l, 'dns.aaaa', a, data, 16);
        text += ` ${a}`;
        break;
      }
      case DnsType.MX: {
        // Unlike the other fixed fields, Wireshark reads the preference only from the record data.
        const preference = u16(b, fixedData(data, 2, dataEnd, 'preference'));
        add(l, 'dns.mx.preference', preference, data, 2);
        const n = showName(b, msg, end, data + 2);
        add(l, 'dns.mx.mail_exchange', n.shark, data + 2, n.next - data - 2);
        text += ` ${n.dump} ${preference}`;
        break;
      }
      case DnsType.TXT:
      case SPF: {
        // SPF (RFC 4408) has TXT's format; tcpdump prints only TXT's strings.
        const field = type === SPF ? 'dns.spf' : 'dns.txt';
        for (let i = data; i < dataEnd; ) {
          const n = b[i];
          add(l, `${field}.length`, n, i, 1);
          if (i + 1 + n > dataEnd) throw new FrameError('bad-length', 'dns', i, `character-string of ${n} bytes runs past the record data`);
          add(l, field, asciiValue(b, i + 1, i + 1 + n), i + 1, n);
          if (type === DnsType.TXT) text += ` "${dumpChars(b, i + 1, i + 1 + n)}"`;
          i += 1 + n;
        }
        break;
      }
      case DnsType.SOA: {
        const mname = showName(b, msg, end, data);
        add(l, 'dns.soa.mname', mname.shark, data, mname.next - data);
        const rname = showName(b, msg, end, mname.next);
        add(l, 'dns.soa.rname', rname.shark, mname.next, rname.next - mname.next);
        const fields = ['serial_number', 'refresh_interval', 'retry_interval', 'expire_limit', 'minimum_ttl'];
        fields.forEach((field, k) => {
          const o = fixedData(rname.next + 4 * k, 4, end, field);
          add(l, `dns.soa.${field}`, u32(b, o), o, 4);
        });
        break;
      }
      case DnsType.SRV: {
        const priority = u16(b, fixedData(data, 2, end, 'priority'));
        add(l, 'dns.srv.priority', priority, data, 2);
        const weight = u16(b, fixedData(data + 2, 2, end, 'weight'));
        add(l, 'dns.srv.weight', weight, data + 2, 2);
        const port = u16(b, fixedData(data + 4, 2, end, 'port'));
        add(l, 'dns.srv.port', port, data + 4, 2);
        const target = showName(b, msg, end, data + 6);
        add(l, 'dns.srv.target', target.shark, data + 6, target.next - data - 6);
        text += ` ${target.dump}:${port} ${priority} ${weight}`;
        break;
      }
      case DnsType.OPT:
        text += optText(cls, ttl);
        for (let i = data; i < dataEnd; ) {
          needBytes('dns', dataEnd, i, 4);
          const optLen = u16(b, i + 2);
          add(l, 'dns.opt.code', u16(b, i), i, 2);
          add(l, 'dns.opt.len', optLen, i + 2, 2);
          needBytes('dns', dataEnd, i + 4, optLen);
          add(l, 'dns.opt.data', bytesValue(b, i + 4, i + 4 + optLen), i + 4, optLen);
          if (ednsOptionTooShort(u16(b, i), optLen)) {
            throw new FrameError('bad-length', 'dns', i + 2, `EDNS option ${u16(b, i)} is too short at ${optLen} bytes`);
          }
          i += 4 + optLen;
        }
        break;
    }
  }
  return text;
}

/** The extended RCODE bits of the first OPT record among the additional records at `at`, or 0. */
function extendedRcode(b: Uint8Array, msg: number, end: number, at: number, count: number): number {
  for (let n = 0; n < count; n++) {
    const fixed = walkDnsName(b, msg, end, at);
    const { dataEnd } = dnsRecordDataBounds(b, end, fixed);
    if (u16(b, fixed) === DnsType.OPT) return b[fixed + 4];
    at = dataEnd;
  }
  return 0;
}

/** tcpdump's header part of the line: ID, opcode, rcode and flag marks, and unusual counts. */
function headerText(m: DnsMessage, rcode: number): string {
  const flags = m.flags;
  let s = `${m.id}${DUMP_OPCODES[m.opcode]}`;
  if (m.response) {
    s += DUMP_RCODES[rcode] ?? ` Resp${rcode}`;
    s += `${m.authoritative ? '*' : ''}${m.recursionAvailable ? '' : '-'}${m.truncated ? '|' : ''}${m.authenticData ? '$' : ''}`;
    if (m.qdcount !== 1) s += ` [${m.qdcount}q]`;
    // tcpdump separates the questions it skips with commas.
    if (m.qdcount > 1) s += ','.repeat(m.qdcount - 1);
    return `${s} ${m.ancount}/${m.nscount}/${m.arcount}`;
  }
  s += `${m.recursionDesired ? '+' : ''}${m.checkingDisabled ? '%' : ''}`;
  // tcpdump flags a query whose AA, TC, RA, Z or RCODE bits are set.
  if (flags & 0x06cf) s += ` [b2&3=0x${flags.toString(16)}]`;
  if (m.opcode === DnsOpcode.IQUERY) {
    if (m.qdcount) s += ` [${m.qdcount}q]`;
    if (m.ancount !== 1) s += ` [${m.ancount}a]`;
  } else {
    if (m.ancount) s += ` [${m.ancount}a]`;
    if (m.qdcount !== 1) s += ` [${m.qdcount}q]`;
  }
  if (m.nscount) s += ` [${m.nscount}n]`;
  if (m.arcount) s += ` [${m.arcount}au]`;
  return s;
}

export const dissectDns: Dissector = (d, b, offset, end) => {
  const [srcPort, dstPort] = udpPortsBefore(b, offset);
  // Port 53 wins over 5353, as in Wireshark's and tcpdump's port tables.
  const mdns = srcPort !== DnsPort.DNS && dstPort !== DnsPort.DNS;
  const m = DnsMessage.checked(b, offset, end - offset);
  const response = m.response;
  const prefix = d.endpoints(srcPort, dstPort);
  d.summary = `${prefix}${headerText(m, m.rcode)}`;
  const l = d.begin(
    mdns ? 'mdns' : 'dns',
    `${mdns ? 'Multicast Domain Name System' : 'Domain Name System'} (${response ? 'response' : 'query'})`,
    offset,
    end - offset,
  );
  add(l, 'dns.id', hexNum(m.id, 4), offset, 2);
  add(l, 'dns.flags', hexNum(m.flags, 4), offset + 2, 2);
  add(l, 'dns.flags.response', response, offset + 2, 2);
  add(l, 'dns.flags.opcode', m.opcode, offset + 2, 2);
  // Wireshark shows AA, RA and the rcode for responses only, and AD for queries only when set.
  if (response) add(l, 'dns.flags.authoritative', m.authoritative, offset + 2, 2);
  add(l, 'dns.flags.truncated', m.truncated, offset + 2, 2);
  add(l, 'dns.flags.recdesired', m.recursionDesired, offset + 2, 2);
  if (response) add(l, 'dns.flags.recavail', m.recursionAvailable, offset + 2, 2);
  add(l, 'dns.flags.z', m.z, offset + 2, 2);
  if (response || m.authenticData) add(l, 'dns.flags.authenticated', m.authenticData, offset + 2, 2);
  add(l, 'dns.flags.checkdisable', m.checkingDisabled, offset + 2, 2);
  if (response) add(l, 'dns.flags.rcode', m.rcode, offset + 2, 2);
  // UPDATE (RFC 2136) renames the sections: zone, prerequisites, updates, additional.
  const update = m.opcode === DnsOpcode.UPDATE;
  add(l, update ? 'dns.count.zones' : 'dns.count.queries', m.qdcount, offset + 4, 2);
  add(l, update ? 'dns.count.prerequisites' : 'dns.count.answers', m.ancount, offset + 6, 2);
  add(l, update ? 'dns.count.updates' : 'dns.count.auth_rr', m.nscount, offset + 8, 2);
  add(l, 'dns.count.add_rr', m.arcount, offset + 10, 2);

  const msgEnd = m.end;
  let at = m.payloadOffset;
  let questions = '';
  for (let n = m.qdcount; n > 0; n--) {
    const q = showName(b, offset, msgEnd, at);
    needBytes('dns', msgEnd, q.next, 4);
    const type = u16(b, q.next);
    const cls = u16(b, q.next + 2);
    add(l, 'dns.qry.name', q.shark, at, q.next - at);
    add(l, 'dns.qry.type', type, q.next, 2);
    add(l, 'dns.qry.class', hexNum(mdns ? cls & 0x7fff : cls, 4), q.next + 2, 2);
    if (mdns) add(l, 'dns.qry.qu', (cls & 0x8000) !== 0, q.next + 2, 2);
    questions += ` ${dumpType(type)}${dumpClass(cls, mdns, true)}? ${q.dump}`;
    at = q.next + 4;
  }
  const answers: string[] = [];
  for (let n = m.ancount; n > 0; n--) {
    const r = dissectRecord(l, b, offset, msgEnd, at, mdns);
    answers.push(r.text);
    at = r.next;
  }
  for (let n = m.nscount; n > 0; n--) at = dissectRecord(l, b, offset, msgEnd, at, mdns).next;
  const additionalsAt = at;
  for (let n = m.arcount; n > 0; n--) at = dissectRecord(l, b, offset, msgEnd, at, mdns).next;

  const length = ` (${end - offset})`;
  if (response) {
    // tcpdump adds the EDNS extended RCODE bits (RFC 6891) to the header's four.
    const rcode = m.rcode | (extendedRcode(b, offset, msgEnd, additionalsAt, m.arcount) << 4);
    d.summary = `${prefix}${headerText(m, rcode)}${answers.join(',')}${length}`;
  } else {
    d.summary = `${prefix}${headerText(m, m.rcode)}${questions}${length}`;
  }
  return undefined;
};
