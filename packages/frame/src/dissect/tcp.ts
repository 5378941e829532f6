import { u16, u32 } from '../bytes.js';
import { TCP_HEADER_LEN, TcpFlags, TcpOptionKind, TcpSegment, walkTcpOptions } from '../proto/tcp.js';
import { add, bytesValue, type Dissector, hexNum } from './context.js';

const FLAG_NAMES: Array<[number, string]> = [
  [TcpFlags.AE, 'ae'],
  [TcpFlags.CWR, 'cwr'],
  [TcpFlags.ECE, 'ece'],
  [TcpFlags.URG, 'urg'],
  [TcpFlags.ACK, 'ack'],
  [TcpFlags.PSH, 'push'],
  [TcpFlags.RST, 'reset'],
  [TcpFlags.SYN, 'syn'],
  [TcpFlags.FIN, 'fin'],
];

/** tcpdump's flag letters, in its order. */
function flagLetters(flags: number): string {
  let s = '';
  if (flags & TcpFlags.SYN) s += 'S';
  if (flags & TcpFlags.FIN) s += 'F';
  if (flags & TcpFlags.PSH) s += 'P';
  if (flags & TcpFlags.RST) s += 'R';
  if (flags & TcpFlags.URG) s += 'U';
  if (flags & TcpFlags.ECE) s += 'E';
  if (flags & TcpFlags.CWR) s += 'W';
  if (flags & TcpFlags.ACK) s += '.';
  return s || 'none';
}

export const dissectTcp: Dissector = (d, b, offset, end) => {
  const s = TcpSegment.checked(b, offset, end - offset);
  const hl = s.headerLen;
  const flags = s.flags;
  const l = d.begin('tcp', 'Transmission Control Protocol', offset, hl);
  add(l, 'tcp.srcport', s.srcPort, offset, 2);
  add(l, 'tcp.dstport', s.dstPort, offset + 2, 2);
  // A first fragment's segment is incomplete: Wireshark then omits the length it cannot know.
  if (!d.firstFragment) add(l, 'tcp.len', s.payloadLen, offset, 0);
  add(l, 'tcp.seq', s.seq, offset + 4, 4);
  add(l, 'tcp.ack', s.ack, offset + 8, 4);
  add(l, 'tcp.hdr_len', hl, offset + 12, 1);
  add(l, 'tcp.flags', hexNum(flags, 4), offset + 12, 2);
  add(l, 'tcp.flags.res', flags >>> 9, offset + 12, 1);
  for (const [bit, name] of FLAG_NAMES) add(l, `tcp.flags.${name}`, (flags & bit) !== 0, offset + 12, 2);
  add(l, 'tcp.window_size_value', s.window, offset + 14, 2);
  add(l, 'tcp.checksum', hexNum(s.checksum, 4), offset + 16, 2);
  add(l, 'tcp.urgent_pointer', s.urgentPointer, offset + 18, 2);
  const opts: string[] = [];
  walkTcpOptions(b, offset + TCP_HEADER_LEN, offset + hl, (kind, at, len) => {
    add(l, 'tcp.option_kind', kind, at, 1);
    if (len > 1) add(l, 'tcp.option_len', len, at + 1, 1);
    switch (kind) {
      case TcpOptionKind.NOP:
        opts.push('nop');
        break;
      case TcpOptionKind.MSS:
        add(l, 'tcp.options.mss_val', u16(b, at + 2), at + 2, 2);
        opts.push(`mss ${u16(b, at + 2)}`);
        break;
      case TcpOptionKind.WindowScale:
        add(l, 'tcp.options.wscale.shift', b[at + 2], at + 2, 1);
        add(l, 'tcp.options.wscale.multiplier', 2 ** Math.min(b[at + 2], 14), at + 2, 1);
        opts.push(`wscale ${b[at + 2]}`);
        break;
      case TcpOptionKind.SackPermitted:
        add(l, 'tcp.options.sack_perm', bytesValue(b, at, at + 2), at, 2);
        opts.push('sackOK');
        break;
      case TcpOptionKind.Sack: {
        const blocks: string[] = [];
        for (let j = at + 2; j < at + len; j += 8) {
          add(l, 'tcp.options.sack_le', u32(b, j), j, 4);
          add(l, 'tcp.options.sack_re', u32(b, j + 4), j + 4, 4);
          blocks.push(`{${u32(b, j)}:${u32(b, j + 4)}}`);
        }
        add(l, 'tcp.options.sack.count', (len - 2) / 8, at, len);
        opts.push(`sack ${(len - 2) / 8} ${blocks.join('')}`);
        break;
      }
      case TcpOptionKind.Timestamp:
        add(l, 'tcp.options.timestamp.tsval', u32(b, at + 2), at + 2, 4);
        add(l, 'tcp.options.timestamp.tsecr', u32(b, at + 6), at + 6, 4);
        opts.push(`TS val ${u32(b, at + 2)} ecr ${u32(b, at + 6)}`);
        break;
      default:
        opts.push(`unknown-${kind}`);
    }
  });
  // Wireshark reads the data of a RST as the reset's cause, not as payload.
  const hasPayload = s.payloadLen > 0 && !(flags & TcpFlags.RST);
  if (hasPayload) add(l, 'tcp.payload', bytesValue(b, s.payloadOffset, end), s.payloadOffset, s.payloadLen);
  let line = `${d.endpoints(s.srcPort, s.dstPort)}Flags [${flagLetters(flags)}], seq ${s.seq}`;
  if (flags & TcpFlags.ACK) line += `, ack ${s.ack}`;
  line += `, win ${s.window}`;
  if (opts.length > 0) line += `, options [${opts.join(',')}]`;
  d.summary = `${line}, length ${s.payloadLen}`;
  return d.firstFragment && hasPayload ? { protocol: 'data', offset: s.payloadOffset, end } : undefined;
};
