import { formatIpv4 } from '../address/ipv4.js';
import { FrameError } from '../errors.js';
import { IPV4_HEADER_LEN, Ipv4Packet } from '../proto/ipv4.js';
import { add, type Dissector, hexNum, type Layer } from './context.js';
import { protocolForIpProtocol } from './tables.js';

export const dissectIpv4: Dissector = (d, b, offset, end) => {
  const p = Ipv4Packet.checked(b.subarray(0, end), offset);
  const hl = p.headerLen;
  const l = d.begin('ip', 'Internet Protocol Version 4', offset, hl);
  add(l, 'ip.version', 4, offset, 1);
  add(l, 'ip.hdr_len', hl, offset, 1);
  add(l, 'ip.dsfield', hexNum(p.tos, 2), offset + 1, 1);
  add(l, 'ip.dsfield.dscp', p.dscp, offset + 1, 1);
  add(l, 'ip.dsfield.ecn', p.ecn, offset + 1, 1);
  add(l, 'ip.len', p.totalLen, offset + 2, 2);
  add(l, 'ip.id', hexNum(p.identification, 4), offset + 4, 2);
  add(l, 'ip.flags', hexNum(b[offset + 6] >>> 5, 2), offset + 6, 1);
  add(l, 'ip.flags.rb', p.reservedFlag, offset + 6, 1);
  add(l, 'ip.flags.df', p.dontFragment, offset + 6, 1);
  add(l, 'ip.flags.mf', p.moreFragments, offset + 6, 1);
  // Wireshark shows the offset in the field's own 8-byte units.
  add(l, 'ip.frag_offset', p.fragmentOffset >>> 3, offset + 6, 2);
  add(l, 'ip.ttl', p.ttl, offset + 8, 1);
  add(l, 'ip.proto', p.protocol, offset + 9, 1);
  add(l, 'ip.checksum', hexNum(p.checksum, 4), offset + 10, 2);
  add(l, 'ip.src', formatIpv4(p.src), offset + 12, 4);
  add(l, 'ip.dst', formatIpv4(p.dst), offset + 16, 4);
  dissectOptions(l, b, offset + IPV4_HEADER_LEN, offset + hl);
  const src = formatIpv4(p.src);
  const dst = formatIpv4(p.dst);
  d.net = { family: 'IP', src, dst };
  d.summary = `IP ${src} > ${dst}: ip-proto-${p.protocol} ${p.payloadLen}`;
  if (p.isFragment) {
    d.summary = `IP ${src} > ${dst}: ip-proto-${p.protocol} ${p.payloadLen} (frag ${p.identification}:${p.payloadLen}@${p.fragmentOffset}${p.moreFragments ? '+' : ''})`;
    // Only the first fragment carries the transport header, and not all of the payload.
    if (p.fragmentOffset !== 0) return { protocol: 'data', offset: p.payloadOffset, end: offset + p.totalLen };
    d.firstFragment = true;
  }
  return { protocol: protocolForIpProtocol(p.protocol), offset: p.payloadOffset, end: offset + p.totalLen };
};

function dissectOptions(l: Layer, b: Uint8Array, start: number, end: number): void {
  let i = start;
  while (i < end) {
    const type = b[i];
    add(l, 'ip.opt.type', type, i, 1);
    if (type === 0) return;
    if (type === 1) {
      i++;
      continue;
    }
    const len = i + 1 < end ? b[i + 1] : 0;
    if (len < 2 || i + len > end) throw new FrameError('bad-value', 'ip', i + 1, `option ${type} has impossible length ${len}`);
    add(l, 'ip.opt.len', len, i + 1, 1);
    i += len;
  }
}
