import { needBytes } from '../errors.js';
import { UDP_HEADER_LEN, UdpDatagram } from '../proto/udp.js';
import { add, bytesValue, type Dissector, hexNum } from './context.js';
import { protocolForUdpPorts } from './tables.js';

export const dissectUdp: Dissector = (d, b, offset, end) => {
  // A first fragment holds the header but not the length it announces: Wireshark shows the
  // header and what payload there is, and decodes no further.
  if (d.firstFragment) needBytes('udp', end, offset, UDP_HEADER_LEN);
  const u = d.firstFragment ? new UdpDatagram(b, offset) : UdpDatagram.checked(b.subarray(0, end), offset);
  const l = d.begin('udp', 'User Datagram Protocol', offset, UDP_HEADER_LEN);
  add(l, 'udp.srcport', u.srcPort, offset, 2);
  add(l, 'udp.dstport', u.dstPort, offset + 2, 2);
  add(l, 'udp.length', u.length, offset + 4, 2);
  add(l, 'udp.checksum', hexNum(u.checksum, 4), offset + 6, 2);
  const payloadEnd = d.firstFragment ? end : offset + u.length;
  d.summary = `${d.endpoints(u.srcPort, u.dstPort)}UDP, length ${u.length - UDP_HEADER_LEN}`;
  const next = d.firstFragment ? 'data' : protocolForUdpPorts(u.srcPort, u.dstPort);
  if (next === 'data' && payloadEnd > u.payloadOffset) {
    add(l, 'udp.payload', bytesValue(b, u.payloadOffset, payloadEnd), u.payloadOffset, payloadEnd - u.payloadOffset);
    if (!d.firstFragment) return undefined;
  }
  return { protocol: next, offset: u.payloadOffset, end: payloadEnd };
};
