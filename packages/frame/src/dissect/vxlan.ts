import { u16 } from '../bytes.js';
import { VXLAN_HEADER_LEN, VxlanHeader } from '../proto/vxlan.js';
import { add, type Dissector, hexNum, udpPortsBefore } from './context.js';

export const dissectVxlan: Dissector = (d, b, offset, end) => {
  const h = VxlanHeader.checked(b.subarray(0, end), offset);
  const l = d.begin('vxlan', 'Virtual eXtensible Local Area Network', offset, VXLAN_HEADER_LEN);
  // Wireshark reads the first two bytes as 16 flag bits to cover the Group Policy extension.
  const flags = u16(b, offset);
  add(l, 'vxlan.flags', hexNum(flags, 4), offset, 2);
  add(l, 'vxlan.flag_g', (flags & 0x8000) !== 0, offset, 2);
  add(l, 'vxlan.flag_i', (flags & 0x0800) !== 0, offset, 2);
  add(l, 'vxlan.flag_d', (flags & 0x0040) !== 0, offset, 2);
  add(l, 'vxlan.flag_a', (flags & 0x0008) !== 0, offset, 2);
  add(l, 'vxlan.flags_reserved', hexNum(flags & 0x77b7, 4), offset, 2);
  add(l, 'vxlan.gbp', u16(b, offset + 2), offset + 2, 2);
  add(l, 'vxlan.vni', h.vni, offset + 4, 3);
  add(l, 'vxlan.reserved8', b[offset + 7], offset + 7, 1);
  const endpoints = d.endpoints(...udpPortsBefore(b, offset));
  if (h.payloadOffset >= end) {
    d.summary = `${endpoints}VXLAN, vni ${h.vni}`;
    return undefined;
  }
  // The tunnel goes in front of the inner frame's summary, and the outer addresses say nothing about it.
  d.prefix += `${endpoints}VXLAN, vni ${h.vni}: `;
  d.summary = '';
  d.net = undefined;
  return { protocol: 'eth', offset: h.payloadOffset, end };
};
