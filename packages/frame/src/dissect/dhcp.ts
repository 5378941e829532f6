import { formatIpv4 } from '../address/ipv4.js';
import { formatMac } from '../address/mac.js';
import { u32, u48 } from '../bytes.js';
import { FrameError } from '../errors.js';
import { BootpOp, CHADDR_LEN, DhcpMessage, DhcpOptionCode, FILE_LEN, SNAME_LEN, walkDhcpOptions } from '../proto/dhcp.js';
import { add, asciiValue, bytesValue, type Dissector, hexNum, type Layer, udpPortsBefore } from './context.js';

/** Hardware types whose 6-byte address Wireshark shows as a MAC: Ethernet and IEEE 802. */
const MAC_HTYPES = new Set([1, 6]);

/** Options whose data is one IPv4 address, by Wireshark field name. */
const ADDRESS_FIELDS: Record<number, string | undefined> = {
  [DhcpOptionCode.SubnetMask]: 'dhcp.option.subnet_mask',
  [DhcpOptionCode.RequestedIp]: 'dhcp.option.requested_ip_address',
  [DhcpOptionCode.ServerId]: 'dhcp.option.dhcp_server_id',
};

/** Options whose data is a list of IPv4 addresses. */
const ADDRESS_LIST_FIELDS: Record<number, string | undefined> = {
  [DhcpOptionCode.Router]: 'dhcp.option.router',
  [DhcpOptionCode.DnsServers]: 'dhcp.option.domain_name_server',
};

/** Options whose data is a 32-bit number of seconds. */
const SECONDS_FIELDS: Record<number, string | undefined> = {
  [DhcpOptionCode.LeaseTime]: 'dhcp.option.ip_address_lease_time',
  [DhcpOptionCode.RenewalTime]: 'dhcp.option.renewal_time_value',
  [DhcpOptionCode.RebindingTime]: 'dhcp.option.rebinding_time_value',
};

const TEXT_FIELDS: Record<number, string | undefined> = {
  [DhcpOptionCode.HostName]: 'dhcp.option.hostname',
  [DhcpOptionCode.DomainName]: 'dhcp.option.domain_name',
};

/**
 * Wireshark's reading of `secs`: some clients write it little-endian, so a value whose low
 * byte is zero is taken to be one byte-swapped (0x0100 is 1 second, not 256).
 */
function secsValue(secs: number): number {
  return secs !== 0 && (secs & 0xff) === 0 ? secs >>> 8 : secs;
}

/**
 * What the main options say about the rest of the message, read before the fixed fields are
 * shown: whether a message type is present, and which fields the last overload option (52)
 * claims for options (bit 0 `file`, bit 1 `sname`), as Wireshark reads them.
 */
function scanOptions(b: Uint8Array, start: number, end: number): { overload: number; hasMessageType: boolean } {
  const found = { overload: 0, hasMessageType: false };
  try {
    walkDhcpOptions(b, start, end, (code, at, len) => {
      if (code === DhcpOptionCode.MessageType) found.hasMessageType = true;
      if (code === DhcpOptionCode.Overload && len >= 1) found.overload = b[at + 2];
    });
  } catch (e) {
    // A broken option is reported when the options are dissected; here only what precedes it counts.
    if (!(e instanceof FrameError)) throw e;
  }
  return found;
}

/** The option type entries of one area, added in place or, for overloaded areas, afterwards. */
type TypeSink = (code: number, at: number, len: number) => void;

function dissectOption(l: Layer, b: Uint8Array, code: number, at: number, len: number, type: TypeSink): void {
  type(code, at, 2 + len);
  add(l, 'dhcp.option.length', len, at + 1, 1);
  const d = at + 2;
  add(l, 'dhcp.option.value', bytesValue(b, d, d + len), d, len);
  const address = ADDRESS_FIELDS[code];
  const list = ADDRESS_LIST_FIELDS[code];
  const seconds = SECONDS_FIELDS[code];
  const text = TEXT_FIELDS[code];
  if (address !== undefined) {
    if (len === 4) add(l, address, formatIpv4(u32(b, d)), d, 4);
  } else if (list !== undefined) {
    for (let j = 0; j + 4 <= len; j += 4) add(l, list, formatIpv4(u32(b, d + j)), d + j, 4);
  } else if (seconds !== undefined) {
    if (len === 4) add(l, seconds, u32(b, d), d, 4);
  } else if (text !== undefined) {
    add(l, text, asciiValue(b, d, d + len), d, len);
  } else if (code === DhcpOptionCode.MessageType) {
    if (len === 0) throw new FrameError('bad-length', 'dhcp', at + 1, 'the message type option is empty');
    add(l, 'dhcp.option.dhcp', b[d], d, 1);
  } else if (code === DhcpOptionCode.Overload) {
    if (len >= 1) add(l, 'dhcp.option.option_overload', b[d], d, 1);
  } else if (code === DhcpOptionCode.ParameterRequestList) {
    for (let j = 0; j < len; j++) add(l, 'dhcp.option.request_list_item', b[d + j], d + j, 1);
  } else if (code === DhcpOptionCode.ClientId && len === 7 && b[d] === 1) {
    add(l, 'dhcp.hw.type', hexNum(1, 2), d, 1);
    add(l, 'dhcp.hw.mac_addr', formatMac(u48(b, d + 1)), d + 1, 6);
  }
}

/**
 * One option area `[start, end)`, its options' data allowed up to `dataEnd`. In the main area
 * (`main` set) the first overload option (52) naming `sname` (2), `file` (1) or both (3) has
 * those areas dissected in its place, `sname` first; an option there may run on to the end of
 * the message, as Wireshark reads them.
 */
function dissectOptionArea(
  l: Layer,
  b: Uint8Array,
  start: number,
  end: number,
  dataEnd: number,
  type: TypeSink,
  main?: { m: DhcpMessage; nestedType: TypeSink },
): void {
  let expanded = false;
  const visit = (code: number, at: number, len: number): void => {
    if (code === DhcpOptionCode.Pad) {
      type(0, at, len);
      add(l, 'dhcp.option.padding', bytesValue(b, at, at + len), at, len);
    } else if (code === DhcpOptionCode.End) {
      // Wireshark 4.0 shows End's option type as 0.
      type(0, at, 1);
      add(l, 'dhcp.option.end', code, at, 1);
    } else {
      dissectOption(l, b, code, at, len, type);
      const overload = code === DhcpOptionCode.Overload && len >= 1 ? b[at + 2] : 0;
      if (main && !expanded && overload >= 1 && overload <= 3) {
        expanded = true;
        const { snameOffset: sname, fileOffset: file } = main.m;
        if (overload & 2) dissectOptionArea(l, b, sname, sname + SNAME_LEN, dataEnd, main.nestedType);
        if (overload & 1) dissectOptionArea(l, b, file, file + FILE_LEN, dataEnd, main.nestedType);
      }
    }
  };
  // Wireshark shows the type, and the length if there is one, of an option cut short.
  const broken = (code: number, at: number): void => {
    type(code, at, dataEnd - at);
    if (at + 1 < dataEnd) add(l, 'dhcp.option.length', b[at + 1], at + 1, 1);
  };
  const stop = walkDhcpOptions(b, start, end, visit, { dataEnd, broken });
  // Only the main area reports what follows End.
  if (main && stop < end) add(l, 'dhcp.option.padding', bytesValue(b, stop, end), stop, end - stop);
}

/** tcpdump's line, which needs only the BOOTP fields up to the client's MAC (not the DHCP cookie). */
function summary(m: DhcpMessage, prefix: string): string {
  const op = m.op;
  const opText = op === BootpOp.Request ? 'Request' : op === BootpOp.Reply ? 'Reply' : `unknown (${hexNum(op, 2)})`;
  const from = op === BootpOp.Request && m.htype === 1 && m.hlen === 6 ? ` from ${formatMac(m.chaddr)}` : '';
  return `${prefix}BOOTP/DHCP, ${opText}${from}, length ${m.length}`;
}

export const dissectDhcp: Dissector = (d, b, offset, end) => {
  const [srcPort, dstPort] = udpPortsBefore(b, offset);
  const view = new DhcpMessage(b, offset, end - offset);
  if (view.chaddrOffset + 6 <= end) d.summary = summary(view, d.endpoints(srcPort, dstPort));
  const m = DhcpMessage.checked(b, offset, end - offset);
  const l = d.begin('dhcp', 'Dynamic Host Configuration Protocol', offset, end - offset);
  const scan = scanOptions(b, m.optionsOffset, end);
  add(l, 'dhcp.type', m.op, offset, 1);
  add(l, 'dhcp.hw.type', hexNum(m.htype, 2), offset + 1, 1);
  add(l, 'dhcp.hw.len', m.hlen, offset + 2, 1);
  add(l, 'dhcp.hops', m.hops, offset + 3, 1);
  add(l, 'dhcp.id', hexNum(m.xid, 8), offset + 4, 4);
  add(l, 'dhcp.secs', secsValue(m.secs), offset + 8, 2);
  add(l, 'dhcp.flags', hexNum(m.flags, 4), offset + 10, 2);
  add(l, 'dhcp.flags.bc', m.broadcast, offset + 10, 2);
  add(l, 'dhcp.flags.reserved', hexNum(m.flags & 0x7fff, 4), offset + 10, 2);
  add(l, 'dhcp.ip.client', formatIpv4(m.ciaddr), offset + 12, 4);
  add(l, 'dhcp.ip.your', formatIpv4(m.yiaddr), offset + 16, 4);
  add(l, 'dhcp.ip.server', formatIpv4(m.siaddr), offset + 20, 4);
  add(l, 'dhcp.ip.relay', formatIpv4(m.giaddr), offset + 24, 4);
  const hlen = m.hlen;
  const chaddr = m.chaddrOffset;
  const chaddrEnd = chaddr + CHADDR_LEN;
  if (hlen === 6 && MAC_HTYPES.has(m.htype)) add(l, 'dhcp.hw.mac_addr', formatMac(m.chaddr), chaddr, 6);
  else if (hlen > 0 && hlen <= CHADDR_LEN) add(l, 'dhcp.hw.addr', bytesValue(b, chaddr, chaddrEnd), chaddr, CHADDR_LEN);
  if (hlen > 0 && hlen < CHADDR_LEN)
    add(l, 'dhcp.hw.addr_padding', bytesValue(b, chaddr + hlen, chaddrEnd), chaddr + hlen, CHADDR_LEN - hlen);
  const snameHoldsOptions = (scan.overload & 2) !== 0;
  const fileHoldsOptions = (scan.overload & 1) !== 0;
  const { snameOffset: sname, fileOffset: file } = m;
  if (!snameHoldsOptions) add(l, 'dhcp.server', asciiValue(b, sname, sname + SNAME_LEN), sname, SNAME_LEN);
  if (!fileHoldsOptions) add(l, 'dhcp.file', asciiValue(b, file, file + FILE_LEN), file, FILE_LEN);
  if (!scan.hasMessageType) add(l, 'dhcp.bootp', true, offset, 0);
  add(l, 'dhcp.cookie', formatIpv4(m.cookie), m.optionsOffset - 4, 4);

  // Wireshark nests the options of overloaded areas inside option 52, so in its output their
  // type entries come after all of the main area's.
  const nested: Array<[number, number, number]> = [];
  const inPlace: TypeSink = (code, at, len) => add(l, 'dhcp.option.type', code, at, len);
  try {
    dissectOptionArea(l, b, m.optionsOffset, end, end, inPlace, { m, nestedType: (...t) => nested.push(t) });
  } finally {
    for (const [code, at, len] of nested) inPlace(code, at, len);
  }
  return undefined;
};
