import { formatIpv4 } from '../address/ipv4.js';
import { formatMac } from '../address/mac.js';
import { FrameError, needBytes } from '../errors.js';
import { ARP_HEADER_LEN, ARP_LEN, ArpOperation, ArpPacket } from '../proto/arp.js';
import { add, type Dissector, hexNum } from './context.js';

// tcpdump's names for the operations.
const OPERATION_NAMES: Record<number, string | undefined> = {
  [ArpOperation.Request]: 'Request',
  [ArpOperation.Reply]: 'Reply',
  [ArpOperation.ReverseRequest]: 'Reverse Request',
  [ArpOperation.ReverseReply]: 'Reverse Reply',
  [ArpOperation.InverseRequest]: 'Inverse Request',
  [ArpOperation.InverseReply]: 'Inverse Reply',
};

const DRARP_ERROR = 7;
const ATM_HARDWARE = 19;

/** ARP and RARP alike: Wireshark dissects both as `arp`. */
export const dissectArp: Dissector = (d, b, offset, end) => {
  // The fixed part is shown even when the address sizes are ones vnet does not decode.
  const bytes = b.subarray(0, end);
  needBytes('arp', bytes.length, offset, ARP_HEADER_LEN);
  const head = new ArpPacket(bytes, offset);
  if (head.hardwareType === ATM_HARDWARE) {
    // ATM ARP (RFC 2225) lays out its lengths differently; Wireshark has a dissector of its own for it.
    throw new FrameError('unsupported', 'arp', offset, 'ATM ARP (hardware type 19) is not decoded');
  }
  const l = d.begin('arp', 'Address Resolution Protocol', offset, ARP_HEADER_LEN);
  add(l, 'arp.hw.type', head.hardwareType, offset, 2);
  add(l, 'arp.proto.type', hexNum(head.protocolType, 4), offset + 2, 2);
  add(l, 'arp.hw.size', head.hardwareLen, offset + 4, 1);
  add(l, 'arp.proto.size', head.protocolLen, offset + 5, 1);
  add(l, 'arp.opcode', head.operation, offset + 6, 2);

  const p = ArpPacket.checked(bytes, offset);
  l.length = ARP_LEN;
  const op = p.operation;
  const spa = p.senderIp;
  const tpa = p.targetIp;
  // Wireshark's classification of requests and replies that announce an address.
  if (op === ArpOperation.Request || op === ArpOperation.Reply) {
    if (spa === tpa) {
      add(l, 'arp.isgratuitous', true, offset, 0);
      if (op === ArpOperation.Request && p.targetMac === 0) add(l, 'arp.isannouncement', true, offset, 0);
    } else if (op === ArpOperation.Request && spa === 0 && p.targetMac === 0) {
      add(l, 'arp.isprobe', true, offset, 0);
    }
  }
  const sha = formatMac(p.senderMac);
  const tha = formatMac(p.targetMac);
  add(l, 'arp.src.hw_mac', sha, offset + 8, 6);
  add(l, 'arp.src.proto_ipv4', formatIpv4(spa), offset + 14, 4);
  add(l, 'arp.dst.hw_mac', tha, offset + 18, 6);
  // A DRARP error (RFC 1931) puts its status where the target address would be.
  if (op !== DRARP_ERROR) add(l, 'arp.dst.proto_ipv4', formatIpv4(tpa), offset + 24, 4);

  let what: string;
  switch (op) {
    case ArpOperation.Request:
      what = `who-has ${formatIpv4(tpa)}${p.targetMac !== 0 ? ` (${tha})` : ''} tell ${formatIpv4(spa)}`;
      break;
    case ArpOperation.Reply:
      what = `${formatIpv4(spa)} is-at ${sha}`;
      break;
    case ArpOperation.ReverseRequest:
    case ArpOperation.InverseRequest:
      what = `who-is ${tha} tell ${sha}`;
      break;
    case ArpOperation.ReverseReply:
      what = `${tha} at ${formatIpv4(tpa)}`;
      break;
    case ArpOperation.InverseReply:
      what = `${sha} at ${formatIpv4(spa)}`;
      break;
    default:
      what = '';
  }
  const name = OPERATION_NAMES[op] ?? `Unknown (${op})`;
  d.summary = `ARP, ${name}${what ? ` ${what}` : ''}, length ${end - offset}`;
  return undefined;
};
