// The per-port variables of 802.1D-2004 §17.19 that the RSTP state machines (rstp-bridge.ts)
// read and write: role, priority vectors, handshake and topology change flags, and timers as
// deadlines in ms (OFF, or at or before now, is a "while" timer at zero).
import { BasePort, OFF } from './engine.js';
import type { StpPortRole } from './types.js';
import { PriorityVector, StpTimes } from './vector.js';

/** Where a port's priority vector came from (infoIs). */
export enum Info {
  Disabled,
  Received,
  Mine,
  Aged,
}

/** The topology change machine's three resting states (§17.31). */
export enum Tc {
  Inactive,
  Learning,
  Active,
}

export class RstpPort extends BasePort {
  role: StpPortRole = 'disabled';
  selectedRole: StpPortRole = 'disabled';
  infoIs = Info.Disabled;
  /** The best vector heard on the link (or our own, when we are its designated port). */
  readonly portPriority = new PriorityVector();
  readonly portTimes = new StpTimes();
  /** What this port would offer as designated port. */
  readonly designatedPriority = new PriorityVector();
  readonly designatedTimes = new StpTimes();
  proposing = false;
  proposed = false;
  agree = false;
  agreed = false;
  synced = false;
  sync = false;
  reRoot = false;
  disputed = false;
  learn = false;
  forward = false;
  learning = false;
  forwarding = false;
  newInfo = false;
  updtInfo = false;
  reselect = false;
  selected = false;
  /** Sending RST BPDUs (false: an 802.1D bridge is on the link). */
  sendRstp = true;
  rcvdTc = false;
  rcvdTcn = false;
  rcvdTcAck = false;
  tcProp = false;
  tcAck = false;
  tcState = Tc.Inactive;
  txCount = 0;
  fdWhile = OFF;
  rrWhile = OFF;
  rbWhile = OFF;
  tcWhile = OFF;
  rcvdInfoWhile = OFF;
  helloWhen = OFF;
  edgeDelayWhile = OFF;
  mdelayWhile = OFF;
}
