import { formatIpv4 } from '../address/ipv4.js';
import { formatIpv6, ipv6At } from '../address/ipv6.js';
import { formatMac } from '../address/mac.js';
import { u16, u24, u32, u48 } from '../bytes.js';
import { FrameError } from '../errors.js';
import { ChassisIdSubtype, LldpPdu, LldpTlvType, lldpManagementOidAt, lldpTlvError, PortIdSubtype, walkLldpTlvs } from '../proto/lldp.js';
import { add, asciiValue, bytesValue, type Dissector, hexNum, type Layer } from './context.js';

const T = LldpTlvType;

/** Wireshark's names of the capability bits, lowest first. */
const CAPABILITY_NAMES = ['other', 'repeater', 'bridge', 'wlan_access_pt', 'router', 'telephone', 'docsis_cable_device', 'station_only'];

const IPV4_FAMILY = 1;
const IPV6_FAMILY = 2;

export const dissectLldp: Dissector = (d, b, offset, end) => {
  const bytes = b.subarray(0, end);
  LldpPdu.checked(bytes, offset);
  const l = d.begin('lldp', 'Link Layer Discovery Protocol', offset, end - offset);
  let systemName: string | undefined;
  // Wireshark decodes the TLVs of many organisations in depth and abandons the whole LLDPDU when
  // one of them is malformed; not knowing their formats, we name nothing after the first. It
  // also stops after a second Chassis ID, Port ID or TTL.
  let index = 0;
  let silent = false;
  const stop = walkLldpTlvs(bytes, offset, end, (type, at, len) => {
    const problem = lldpTlvError(b, type, at, len);
    if (problem) throw new FrameError('bad-length', 'lldp', at - 2, problem);
    if (silent) return;
    if (index++ >= 3 && type >= T.ChassisId && type <= T.Ttl) silent = true;
    add(l, 'lldp.tlv.type', type, at - 2, 2);
    add(l, 'lldp.tlv.len', len, at - 2, 2);
    switch (type) {
      case T.ChassisId:
        add(l, 'lldp.chassis.subtype', b[at], at, 1);
        if (b[at] === ChassisIdSubtype.MacAddress) add(l, 'lldp.chassis.id.mac', formatMac(u48(b, at + 1)), at + 1, 6);
        else if (b[at] === ChassisIdSubtype.NetworkAddress) networkAddress(l, 'lldp.chassis.id', b, at + 1, at + len);
        else add(l, 'lldp.chassis.id', bytesValue(b, at + 1, at + len), at + 1, len - 1);
        break;
      case T.PortId:
        add(l, 'lldp.port.subtype', b[at], at, 1);
        if (b[at] === PortIdSubtype.MacAddress) add(l, 'lldp.port.id.mac', formatMac(u48(b, at + 1)), at + 1, 6);
        else if (b[at] === PortIdSubtype.NetworkAddress) networkAddress(l, 'lldp.port.id', b, at + 1, at + len);
        else add(l, 'lldp.port.id', asciiValue(b, at + 1, at + len), at + 1, len - 1);
        break;
      case T.Ttl:
        add(l, 'lldp.time_to_live', u16(b, at), at, 2);
        break;
      case T.PortDescription:
        add(l, 'lldp.port.desc', asciiValue(b, at, at + len), at, len);
        break;
      case T.SystemName: {
        const name = asciiValue(b, at, at + len);
        systemName ??= name;
        add(l, 'lldp.tlv.system.name', name, at, len);
        break;
      }
      case T.SystemDescription:
        add(l, 'lldp.tlv.system.desc', asciiValue(b, at, at + len), at, len);
        break;
      case T.SystemCapabilities:
        capabilities(l, 'lldp.tlv.system_cap', u16(b, at), at);
        capabilities(l, 'lldp.tlv.enable_system_cap', u16(b, at + 2), at + 2);
        break;
      case T.ManagementAddress:
        managementAddress(l, b, at);
        break;
      case T.OrgSpecific:
        add(l, 'lldp.orgtlv.oui', u24(b, at), at, 3);
        silent = true;
        break;
    }
  });
  l.length = stop - offset;
  d.summary = `LLDP, length ${end - offset}${systemName ? `: ${systemName}` : ''}`;
  return undefined;
};

/**
 * An IANA family byte then the address (sized by `lldpTlvError` for IPv4 and IPv6). Wireshark
 * shows another family's address as the ID field itself: bytes for a chassis, text for a port.
 */
function networkAddress(l: Layer, field: 'lldp.chassis.id' | 'lldp.port.id', b: Uint8Array, at: number, end: number): void {
  const family = b[at];
  add(l, 'lldp.network_address.subtype', family, at, 1);
  if (family === IPV4_FAMILY) add(l, `${field}.ip4`, formatIpv4(u32(b, at + 1)), at + 1, 4);
  else if (family === IPV6_FAMILY) add(l, `${field}.ip6`, formatIpv6(ipv6At(b, at + 1)), at + 1, 16);
  else if (field === 'lldp.chassis.id') add(l, field, bytesValue(b, at + 1, end), at + 1, end - at - 1);
  else add(l, field, asciiValue(b, at + 1, end), at + 1, end - at - 1);
}

function capabilities(l: Layer, field: string, bits: number, at: number): void {
  add(l, field, hexNum(bits, 4), at, 2);
  CAPABILITY_NAMES.forEach((name, i) => {
    add(l, `${field}.${name}`, (bits & (1 << i)) !== 0, at, 2);
  });
}

function managementAddress(l: Layer, b: Uint8Array, at: number): void {
  const oidAt = lldpManagementOidAt(b, at);
  const strLen = b[at];
  const family = b[at + 1];
  add(l, 'lldp.mgn.address.len', strLen, at, 1);
  add(l, 'lldp.mgn.address.subtype', family, at + 1, 1);
  if (family === IPV4_FAMILY) add(l, 'lldp.mgn.addr.ip4', formatIpv4(u32(b, at + 2)), at + 2, 4);
  else if (family === IPV6_FAMILY) add(l, 'lldp.mgn.addr.ip6', formatIpv6(ipv6At(b, at + 2)), at + 2, 16);
  else add(l, 'lldp.mgn.addr.hex', bytesValue(b, at + 2, at + 1 + strLen), at + 2, strLen - 1);
  add(l, 'lldp.mgn.interface.subtype', b[oidAt - 5], oidAt - 5, 1);
  add(l, 'lldp.mgn.interface.number', u32(b, oidAt - 4), oidAt - 4, 4);
  add(l, 'lldp.mgn.obj.len', b[oidAt], oidAt, 1);
}
