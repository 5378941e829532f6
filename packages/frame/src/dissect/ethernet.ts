import { formatMac } from '../address/mac.js';
import { ETHERNET_HEADER_LEN, EthernetFrame } from '../proto/ethernet.js';
import { VLAN_TAG_LEN, VlanTag } from '../proto/vlan.js';
import { add, bytesValue, type Dissector, hexNum } from './context.js';
import { protocolForEthertype } from './tables.js';

export const dissectEthernet: Dissector = (d, b, offset, end) => {
  const f = EthernetFrame.checked(b.subarray(0, end), offset);
  const l = d.begin('eth', 'Ethernet II', offset, ETHERNET_HEADER_LEN);
  add(l, 'eth.dst', formatMac(f.dst), offset, 6);
  add(l, 'eth.src', formatMac(f.src), offset + 6, 6);
  const type = f.ethertype;
  if (type < 0x0600) {
    // IEEE 802.3: a length, then LLC; anything beyond the length is padding.
    l.title = 'IEEE 802.3 Ethernet';
    add(l, 'eth.len', type, offset + 12, 2);
    d.summary = `${formatMac(f.src)} > ${formatMac(f.dst)}, 802.3, length ${type}`;
    return { protocol: 'llc', offset: f.payloadOffset, end: Math.min(end, f.payloadOffset + type) };
  }
  add(l, 'eth.type', hexNum(type, 4), offset + 12, 2);
  d.summary = `${formatMac(f.src)} > ${formatMac(f.dst)}, ethertype ${hexNum(type, 4)}, length ${end - offset}`;
  return { protocol: protocolForEthertype(type), offset: f.payloadOffset, end };
};

/** An 802.1Q customer tag, or the 802.1ad service tag of QinQ, which Wireshark calls ieee8021ad. */
export const dissectVlan: Dissector = (d, b, offset, end) => {
  const t = VlanTag.checked(b.subarray(0, end), offset);
  // The tag's own TPID sits in the two bytes before it.
  const service = offset >= 2 && b[offset - 2] === 0x88 && b[offset - 1] === 0xa8;
  const p = service ? 'ieee8021ad' : 'vlan';
  const l = d.begin(p, service ? '802.1ad Service Tag' : '802.1Q Virtual LAN', offset, VLAN_TAG_LEN);
  add(l, `${p}.priority`, t.pcp, offset, 2);
  add(l, `${p}.dei`, t.dei, offset, 2);
  add(l, `${p}.id`, t.vid, offset, 2);
  add(l, service ? 'ieee8021ah.etype' : 'vlan.etype', hexNum(t.ethertype, 4), offset + 2, 2);
  d.prefix += `${service ? '802.1ad' : 'vlan'} ${t.vid}, p ${t.pcp}, `;
  d.summary = `ethertype ${hexNum(t.ethertype, 4)}, length ${end - offset}`;
  return { protocol: protocolForEthertype(t.ethertype), offset: t.payloadOffset, end };
};

export const dissectData: Dissector = (d, b, offset, end) => {
  if (end <= offset) return undefined;
  const l = d.begin('data', 'Data', offset, end - offset);
  add(l, 'data.data', bytesValue(b, offset, end), offset, end - offset);
  add(l, 'data.len', end - offset, offset, end - offset);
  return undefined;
};
