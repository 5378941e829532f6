import { formatMac } from '../address/mac.js';
import { LACP_PDU_LEN, type LacpInfo, LacpPdu, LacpTlvOffset, SlowSubtype } from '../proto/lacp.js';
import { add, bytesValue, type Dissector, hexNum, type Layer } from './context.js';

/** Wireshark's names of the state bits, lowest first, and its one-letter summary of each. */
const STATE_BITS: Array<[string, string]> = [
  ['activity', 'A'],
  ['timeout', 'S'],
  ['aggregation', 'G'],
  ['synchronization', 'S'],
  ['collecting', 'C'],
  ['distributing', 'D'],
  ['defaulted', 'F'],
  ['expired', 'E'],
];

const SUBTYPE_NAMES: Record<number, string> = { [SlowSubtype.LACP]: 'LACP', [SlowSubtype.Marker]: 'MARKER', [SlowSubtype.OAM]: 'OAM' };

/** The slow protocols (EtherType 0x8809): the subtype byte, then LACP. */
export const dissectLacp: Dissector = (d, b, offset, end) => {
  if (end <= offset) return undefined;
  const subtype = b[offset];
  const slow = d.begin('slow', 'Slow Protocols', offset, 1);
  add(slow, 'slow.subtype', hexNum(subtype, 2), offset, 1);
  // LACP and Marker PDUs carry a version after the subtype; OAM carries flags there.
  const version = subtype !== SlowSubtype.OAM && offset + 1 < end ? `v${b[offset + 1]}` : '';
  d.summary = `${SUBTYPE_NAMES[subtype] ?? `slow protocol subtype ${subtype}`}${version}, length ${end - offset}`;
  if (subtype !== SlowSubtype.LACP) return undefined;
  const p = LacpPdu.checked(b.subarray(0, end), offset);
  const l = d.begin('lacp', 'Link Aggregation Control Protocol', offset + 1, LACP_PDU_LEN - 1);
  add(l, 'lacp.version', hexNum(p.version, 2), offset + 1, 1);
  // Every TLV header, in frame order, as Wireshark lists them.
  const { Collector, Terminator, Reserved } = LacpTlvOffset;
  for (const at of [LacpTlvOffset.Actor, LacpTlvOffset.Partner, Collector, Terminator]) {
    add(l, 'lacp.tlv_type', hexNum(b[offset + at], 2), offset + at, 1);
    add(l, 'lacp.tlv_length', hexNum(b[offset + at + 1], 2), offset + at + 1, 1);
  }
  participant(l, 'lacp.actor', p.actor, b);
  participant(l, 'lacp.partner', p.partner, b);
  add(l, 'lacp.collector.max_delay', p.collectorMaxDelay, offset + Collector + 2, 2);
  add(l, 'lacp.coll_reserved', bytesValue(b, offset + Collector + 4, offset + Terminator), offset + Collector + 4, 12);
  add(l, 'lacp.pad', bytesValue(b, offset + Reserved, offset + LACP_PDU_LEN), offset + Reserved, LACP_PDU_LEN - Reserved);
  return undefined;
};

function participant(l: Layer, prefix: string, info: LacpInfo, b: Uint8Array): void {
  const at = info.offset;
  const state = info.state;
  add(l, `${prefix}.sys_priority`, info.systemPriority, at + 2, 2);
  add(l, `${prefix}.sysid`, formatMac(info.system), at + 4, 6);
  add(l, `${prefix}.key`, info.key, at + 10, 2);
  add(l, `${prefix}.port_priority`, info.portPriority, at + 12, 2);
  add(l, `${prefix}.port`, info.port, at + 14, 2);
  add(l, `${prefix}.state`, hexNum(state, 2), at + 16, 1);
  let letters = '';
  STATE_BITS.forEach(([name, letter], i) => {
    const set = (state & (1 << i)) !== 0;
    add(l, `${prefix}.state.${name}`, set, at + 16, 1);
    letters = (set ? letter : '*') + letters;
  });
  add(l, `${prefix}.state_str`, letters, at + 16, 1);
  add(l, `${prefix}.reserved`, bytesValue(b, at + 17, at + 20), at + 17, 3);
}
