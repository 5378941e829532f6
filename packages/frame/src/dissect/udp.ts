import { UdpDatagram } from '../proto/udp.js';
import { add, bytesValue, type Dissector, hexNum } from './context.js';
import { protocolForUdpPorts } from './tables.js';

export const dissectUdp: Dissector = (d, b, offset, end) => {
  const u = UdpDatagram.checked(b.subarray(0, end), offset);
  const l = d.begin('udp', 'User Datagram Protocol', offset, 8);
  add(l, 'udp.srcport', u.srcPort, offset, 2);
  add(l, 'udp.dstport', u.dstPort, offset + 2, 2);
  add(l, 'udp.length', u.length, offset + 4, 2);
  add(l, 'udp.checksum', hexNum(u.checksum, 4), offset + 6, 2);
  const payloadEnd = offset + u.length;
  d.summary = `${d.endpoints(u.srcPort, u.dstPort)}UDP, length ${u.length - 8}`;
  const next = protocolForUdpPorts(u.srcPort, u.dstPort);
  if (next === 'data' && payloadEnd > u.payloadOffset) {
    add(l, 'udp.payload', bytesValue(b, u.payloadOffset, payloadEnd), u.payloadOffset, payloadEnd - u.payloadOffset);
    return undefined;
  }
  return { protocol: next, offset: u.payloadOffset, end: payloadEnd };
};
