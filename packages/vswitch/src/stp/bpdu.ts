/**
 * BPDUs on the wire: decoding what a port received into a reused object, and building what a
 * port sends with @vnet/frame.
 *
 * Design: a received frame is checked as 802.1D §9.3.4 says (802.3 length, LLC 42/42 UI,
 * protocol 0, a known type with all its bytes, a message age below the max age) through one
 * reused `StpBpdu` view; a bad one yields the name of its drop reason, never an exception. A
 * BPDU sent is a new 60-byte frame (the Ethernet minimum, zero-padded) built by `buildInto`:
 * the receiver may keep it, and BPDUs are control traffic, a few per hello per port.
 */
import {
  BpduType,
  buildInto,
  ethernet,
  LLC_UI,
  LlcSap,
  llc,
  type Mac,
  RSTP_BPDU_LEN,
  STP_CONFIG_LEN,
  STP_MULTICAST,
  STP_TCN_LEN,
  StpBpdu,
  type StpRepr,
  StpVersion,
  stp,
  u16,
  u48,
} from '@vnet/frame';
import { BpduDrop } from './types.js';
import { PriorityVector, StpTimes } from './vector.js';

const ETHERNET_LEN = 14;
const LLC_LEN = 3;
const BPDU_AT = ETHERNET_LEN + LLC_LEN;
/** 802.3 frames carry a length, not an EtherType, up to this value. */
const MAX_802_3_LENGTH = 1500;
/** BPDUs travel in minimum-size frames. */
export const BPDU_FRAME_LEN = 60;

export type BpduDropReason = (typeof BpduDrop)[keyof typeof BpduDrop];

/** A decoded BPDU. `vector` holds what the sender says (its `rxPortId` is left to the receiver). */
export class ReceivedBpdu {
  /** A `BpduType`: Config, Rst or Tcn. */
  type = 0;
  version = 0;
  flags = 0;
  readonly vector = new PriorityVector();
  readonly times = new StpTimes();
}

export class BpduReader {
  private readonly view = new StpBpdu();
  readonly bpdu = new ReceivedBpdu();

  /** Decodes the frame into `bpdu`: undefined when it is a valid BPDU, else why not. */
  read(bytes: Uint8Array, offset: number, length: number): BpduDropReason | undefined {
    const end = Math.min(offset + length, bytes.length);
    if (!(offset >= 0 && end - offset >= BPDU_AT + STP_TCN_LEN)) return BpduDrop.Runt;
    const lengthField = u16(bytes, offset + 12);
    if (u48(bytes, offset) !== STP_MULTICAST || lengthField > MAX_802_3_LENGTH) return BpduDrop.NotBpdu;
    if (bytes[offset + ETHERNET_LEN] !== LlcSap.STP || bytes[offset + ETHERNET_LEN + 1] !== LlcSap.STP) return BpduDrop.NotBpdu;
    if (bytes[offset + ETHERNET_LEN + 2] !== LLC_UI) return BpduDrop.NotBpdu;
    // What follows the LLC header: the bytes present, as far as the 802.3 length vouches for them.
    const available = Math.min(end - offset - BPDU_AT, lengthField - LLC_LEN);
    if (available < STP_TCN_LEN) return BpduDrop.Truncated;
    const v = this.view.reset(bytes, offset + BPDU_AT);
    if (v.protocolId !== 0) return BpduDrop.BadProtocol;
    const b = this.bpdu;
    b.type = v.bpduType;
    b.version = v.version;
    if (b.type === BpduType.Tcn) {
      b.flags = 0;
      return undefined;
    }
    if (b.type !== BpduType.Config && b.type !== BpduType.Rst) return BpduDrop.UnknownType;
    if (available < (b.type === BpduType.Rst ? RSTP_BPDU_LEN : STP_CONFIG_LEN)) return BpduDrop.Truncated;
    if (b.type === BpduType.Rst && b.version < StpVersion.Rstp) return BpduDrop.BadVersion;
    b.flags = v.flags;
    b.vector.set(v.rootPriority, v.rootMac, v.rootPathCost, v.bridgePriority, v.bridgeMac, v.portId, 0);
    b.times.set(v.messageAge, v.maxAge, v.helloTime, v.forwardDelay);
    if (b.type === BpduType.Config && b.times.messageAge >= b.times.maxAge) return BpduDrop.BadTimers;
    return undefined;
  }
}

/** Seconds as the wire carries them: whole 1/256 s, rounded up, within 16 bits. */
export function wireSeconds(seconds: number): number {
  return Math.min(Math.max(Math.ceil(seconds * 256 - 1e-6), 0), 0xffff) / 256;
}

/** A Configuration (STP) or RST (RSTP) BPDU frame carrying `vector` and `times`. */
export function priorityBpdu(kind: 'config' | 'rst', src: Mac, flags: number, vector: PriorityVector, times: StpTimes): Uint8Array {
  return frameOf(src, {
    bpdu: kind,
    version: kind === 'rst' ? StpVersion.Rstp : StpVersion.Stp,
    flags,
    root: { priority: vector.rootPriority, mac: vector.rootMac },
    rootPathCost: vector.rootPathCost,
    bridge: { priority: vector.bridgePriority, mac: vector.bridgeMac },
    portId: vector.portId,
    messageAge: wireSeconds(times.messageAge),
    maxAge: wireSeconds(times.maxAge),
    helloTime: wireSeconds(times.helloTime),
    forwardDelay: wireSeconds(times.forwardDelay),
  });
}

/** A Topology Change Notification BPDU frame. */
export function tcnBpdu(src: Mac): Uint8Array {
  return frameOf(src, { bpdu: 'tcn', version: StpVersion.Stp });
}

function frameOf(src: Mac, repr: StpRepr): Uint8Array {
  const frame = new Uint8Array(BPDU_FRAME_LEN);
  buildInto(frame, 0, ethernet({ dst: STP_MULTICAST, src }), llc(), stp(repr));
  return frame;
}
