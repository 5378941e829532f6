import { formatMac } from '../address/mac.js';
import { u16, u24, u48 } from '../bytes.js';
import { needBytes } from '../errors.js';
import { BpduType, bpduLen, LLC_UI, LlcHeader, LlcSap, STP_TCN_LEN, StpBpdu, StpFlags, StpVersion } from '../proto/stp.js';
import { add, type DissectContext, type Dissector, hexNum, type Layer } from './context.js';
import { protocolForEthertype } from './tables.js';

const SNAP_LEN = 5;

/** The 802.2 LLC header after an 802.3 length; hands spanning tree and SNAP on. */
export const dissectLlc: Dissector = (d, b, offset, end) => {
  const h = LlcHeader.checked(b.subarray(0, end), offset);
  const { dsap, ssap } = h;
  const l = d.begin('llc', 'Logical-Link Control', offset, h.headerLen);
  add(l, 'llc.dsap', hexNum(dsap, 2), offset, 1);
  add(l, 'llc.dsap.sap', dsap >>> 1, offset, 1);
  add(l, 'llc.dsap.ig', (dsap & 1) !== 0, offset, 1);
  add(l, 'llc.ssap', hexNum(ssap, 2), offset + 1, 1);
  add(l, 'llc.ssap.sap', ssap >>> 1, offset + 1, 1);
  add(l, 'llc.ssap.cr', (ssap & 1) !== 0, offset + 1, 1);
  const response = (ssap & 1) !== 0;
  control(l, b, offset + 2, h.isUnnumbered, response);
  const payload = h.payloadOffset;
  const ctrl = h.control;
  d.summary =
    `LLC, dsap ${hexNum(dsap, 2)} ${dsap & 1 ? 'Group' : 'Individual'}, ssap ${hexNum(ssap, 2)} ` +
    `${response ? 'Response' : 'Command'}, ctrl ${hexNum(ctrl, h.isUnnumbered ? 2 : 4)}, length ${end - offset}`;
  if (ctrl !== LLC_UI) return undefined;
  if (dsap === LlcSap.STP && ssap === LlcSap.STP) return dissectStp(d, b, payload, end);
  if (dsap === LlcSap.SNAP && ssap === LlcSap.SNAP) {
    needBytes('llc', end, payload, SNAP_LEN);
    const oui = u24(b, payload);
    add(l, 'llc.oui', oui, payload, 3);
    l.length += SNAP_LEN;
    // Only the zero OUI says the PID is an EtherType; other organisations number their own.
    if (oui !== 0) return undefined;
    const pid = u16(b, payload + 3);
    add(l, 'llc.type', hexNum(pid, 4), payload + 3, 2);
    return { protocol: pid < 0x0600 ? 'data' : protocolForEthertype(pid), offset: payload + SNAP_LEN, end };
  }
  return undefined;
};

/** The control field's parts; Wireshark shows the two-byte form little-endian. */
function control(l: Layer, b: Uint8Array, at: number, unnumbered: boolean, response: boolean): void {
  const pollFinal = response ? 'llc.control.f' : 'llc.control.p';
  if (unnumbered) {
    const c = b[at];
    add(l, 'llc.control', hexNum(c, 4), at, 1);
    if (c & 0x10) add(l, pollFinal, true, at, 1);
    add(l, response ? 'llc.control.u_modifier_resp' : 'llc.control.u_modifier_cmd', hexNum((c & 0xec) >>> 2, 2), at, 1);
    add(l, 'llc.control.ftype', hexNum(3, 2), at, 1);
    return;
  }
  const c = b[at] | (b[at + 1] << 8);
  add(l, 'llc.control', hexNum(c, 4), at, 2);
  add(l, 'llc.control.n_r', c >>> 9, at, 2);
  if (c & 1) {
    if (c & 0x100) add(l, pollFinal, true, at, 2);
    add(l, 'llc.control.s_ftype', hexNum((c & 0x0c) >>> 2, 4), at, 2);
    add(l, 'llc.control.ftype', hexNum(1, 4), at, 2);
  } else {
    add(l, 'llc.control.n_s', (c & 0xfe) >>> 1, at, 2);
    // Wireshark names the bit of an information frame Poll whatever the C/R bit says.
    if (c & 0x100) add(l, 'llc.control.p', true, at, 2);
    add(l, 'llc.control.ftype', hexNum(0, 4), at, 2);
  }
}

const VERSION_NAMES: Record<number, string> = { [StpVersion.Stp]: '802.1d', [StpVersion.Rstp]: '802.1w', [StpVersion.Mstp]: '802.1s' };
const TYPE_NAMES: Record<number, string> = { [BpduType.Config]: 'Config', [BpduType.Rst]: 'Rapid STP', [BpduType.Tcn]: 'Topology Change' };

/** tcpdump's flag names, in bit order. */
const FLAG_NAMES: Array<[number, string]> = [
  [StpFlags.TopologyChange, 'Topology change'],
  [StpFlags.Proposal, 'Proposal'],
  [StpFlags.Learning, 'Learn'],
  [StpFlags.Forwarding, 'Forward'],
  [StpFlags.Agreement, 'Agreement'],
  [StpFlags.TopologyChangeAck, 'Topology change ACK'],
];

function dissectStp(d: DissectContext, b: Uint8Array, offset: number, end: number): undefined {
  const bytes = b.subarray(0, end);
  needBytes('stp', end, offset, STP_TCN_LEN);
  const version = b[offset + 2];
  const type = b[offset + 3];
  // Like Wireshark, name nothing of a BPDU shorter than its type requires.
  needBytes('stp', end, offset, bpduLen(type) ?? STP_TCN_LEN);
  const l = d.begin('stp', 'Spanning Tree Protocol', offset, end - offset);
  add(l, 'stp.protocol', hexNum(u16(b, offset), 4), offset, 2);
  add(l, 'stp.version', version, offset + 2, 1);
  add(l, 'stp.type', hexNum(type, 2), offset + 3, 1);
  const head = `STP ${VERSION_NAMES[version] ?? `Unknown STP protocol (${hexNum(version, 2)})`}, ${TYPE_NAMES[type] ?? `Unknown BPDU Type (${hexNum(type, 2)})`}`;
  d.summary = head;
  if (type !== BpduType.Config && type !== BpduType.Rst) return undefined;
  const p = StpBpdu.checked(bytes, offset);
  const flags = p.flags;
  add(l, 'stp.flags', hexNum(flags, 2), offset + 4, 1);
  add(l, 'stp.flags.tcack', (flags & StpFlags.TopologyChangeAck) !== 0, offset + 4, 1);
  if (type === BpduType.Rst) {
    add(l, 'stp.flags.agreement', (flags & StpFlags.Agreement) !== 0, offset + 4, 1);
    add(l, 'stp.flags.forwarding', (flags & StpFlags.Forwarding) !== 0, offset + 4, 1);
    add(l, 'stp.flags.learning', (flags & StpFlags.Learning) !== 0, offset + 4, 1);
    add(l, 'stp.flags.port_role', p.portRole, offset + 4, 1);
    add(l, 'stp.flags.proposal', (flags & StpFlags.Proposal) !== 0, offset + 4, 1);
  }
  add(l, 'stp.flags.tc', (flags & StpFlags.TopologyChange) !== 0, offset + 4, 1);
  bridgeId(l, 'stp.root', b, offset + 5);
  add(l, 'stp.root.cost', p.rootPathCost, offset + 13, 4);
  bridgeId(l, 'stp.bridge', b, offset + 17);
  add(l, 'stp.port', hexNum(p.portId, 4), offset + 25, 2);
  add(l, 'stp.msg_age', p.messageAge, offset + 27, 2);
  add(l, 'stp.max_age', p.maxAge, offset + 29, 2);
  add(l, 'stp.hello', p.helloTime, offset + 31, 2);
  add(l, 'stp.forward', p.forwardDelay, offset + 33, 2);
  if (type === BpduType.Rst) add(l, 'stp.version_1_length', p.version1Length, offset + 35, 1);
  const names = FLAG_NAMES.filter(([bit]) => flags & bit).map(([, name]) => name);
  const bridge = `${hex4(p.bridgePriority)}.${formatMac(p.bridgeMac)}.${hex4(p.portId)}`;
  d.summary = `${head}, Flags [${names.join(', ') || 'none'}], bridge-id ${bridge}, length ${end - offset}`;
  return undefined;
}

/** tcpdump's bare four hex digits. */
function hex4(v: number): string {
  return v.toString(16).padStart(4, '0');
}

/** Wireshark splits an identifier into priority, system ID extension and MAC. */
function bridgeId(l: Layer, prefix: string, b: Uint8Array, at: number): void {
  const priority = u16(b, at);
  add(l, `${prefix}.prio`, priority & 0xf000, at, 2);
  add(l, `${prefix}.ext`, priority & 0x0fff, at, 2);
  add(l, `${prefix}.hw`, formatMac(u48(b, at + 2)), at + 2, 6);
}
