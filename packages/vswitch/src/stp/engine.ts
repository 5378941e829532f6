/**
 * What the STP and RSTP engines share: the bridge's identity and configured timers, its ports,
 * the clock, BPDU transmission with counters, flush signals, and the per-port flags the switch
 * reads for every frame.
 *
 * Design: time is passed in. Every timer is a deadline in ms (`OFF` when stopped; a deadline at
 * or before `now` has expired), so `pollAt()` is the earliest running deadline and `poll(now)`
 * steps through each deadline up to `now` in order: a late poll does what timely ones would
 * have done. Events between polls (a BPDU, a link change) happen at the last polled time.
 */
import { BpduType, type Mac } from '@vnet/frame';
import { SwitchError } from '../errors.js';
import { type BpduDropReason, priorityBpdu, type ReceivedBpdu, tcnBpdu } from './bpdu.js';
import { BpduDrop, type StpPortCounters, type StpPortRole, type StpPortState } from './types.js';
import { type PriorityVector, StpTimes } from './vector.js';

/** A stopped timer. */
export const OFF = Number.NEGATIVE_INFINITY;

/** Bits of the per-port flags byte the switch reads for every frame. */
export const LEARNS = 1;
export const FORWARDS = 2;

export interface EngineConfig {
  priority: number;
  mac: Mac;
  helloTime: number;
  maxAge: number;
  forwardDelay: number;
  send: (port: number, frame: Uint8Array) => void;
  onFlush: ((port: number) => void) | undefined;
  now: number;
  /** Indexed by port number: LEARNS | FORWARDS. */
  flags: Uint8Array;
}

export class BasePort {
  /** The link is up. */
  enabled = true;
  /** Operational edge status. */
  operEdge: boolean;
  readonly counters: StpPortCounters = { rxConfig: 0, rxRst: 0, rxTcn: 0, txConfig: 0, txRst: 0, txTcn: 0, flushes: 0 };

  constructor(
    readonly number: number,
    /** Port priority (high 4 bits) and number (low 12 bits). */
    readonly portId: number,
    readonly pathCost: number,
    readonly adminEdge: boolean,
  ) {
    this.operEdge = adminEdge;
  }
}

export abstract class Engine<P extends BasePort> {
  now: number;
  readonly priority: number;
  readonly mac: Mac;
  /** The timers this bridge uses when it is the root. */
  readonly bridgeTimes: StpTimes;
  protected readonly ports = new Map<number, P>();
  /** Ports in number order, iterated without allocating. */
  protected list: P[] = [];

  constructor(protected readonly cfg: EngineConfig) {
    this.now = cfg.now;
    this.priority = cfg.priority;
    this.mac = cfg.mac;
    this.bridgeTimes = new StpTimes().set(0, cfg.maxAge, cfg.helloTime, cfg.forwardDelay);
  }

  abstract readonly rootVector: PriorityVector;
  abstract readonly rootPortNumber: number;
  abstract readonly topologyChange: boolean;
  abstract portState(p: P): StpPortState;
  abstract portRole(p: P): StpPortRole;
  /** What the port knows of its link's designated port. */
  abstract portVector(p: P): PriorityVector;

  protected abstract createPort(number: number, portId: number, pathCost: number, edge: boolean): P;
  /** The port joined, or its link came up. */
  protected abstract enable(p: P): void;
  /** The port's link went down, or the port is leaving. */
  protected abstract disable(p: P): void;
  /** A valid BPDU arrived on an enabled port. */
  protected abstract handle(p: P, m: ReceivedBpdu): void;
  /** Does whatever is due at `this.now`. */
  protected abstract run(): void;
  /** The earliest running deadline after `this.now`, or Infinity. */
  protected abstract nextDeadline(): number;

  get isRoot(): boolean {
    return this.rootVector.rootPriority === this.priority && this.rootVector.rootMac === this.mac;
  }

  port(number: number): P {
    const p = this.ports.get(number);
    if (!p) {
      const known = this.list.map((q) => q.number).join(', ') || 'none';
      throw new SwitchError('no-such-port', `spanning tree has no port ${number} (ports: ${known}); add it with addPort first`);
    }
    return p;
  }

  portNumbers(): number[] {
    return this.list.map((p) => p.number);
  }

  addPort(number: number, portId: number, pathCost: number, edge: boolean): void {
    if (this.ports.has(number)) throw new SwitchError('port-in-use', `spanning tree port ${number} already exists; remove it first`);
    const p = this.createPort(number, portId, pathCost, edge);
    this.ports.set(number, p);
    this.list = [...this.ports.values()].sort((a, b) => a.number - b.number);
    this.enable(p);
  }

  removePort(number: number): void {
    const p = this.ports.get(number);
    if (!p) return;
    if (p.enabled) {
      p.enabled = false;
      this.disable(p);
    }
    this.ports.delete(number);
    this.list = this.list.filter((q) => q !== p);
    this.cfg.flags[number] = 0;
    this.run();
  }

  setPortUp(number: number, up: boolean): void {
    const p = this.port(number);
    if (p.enabled === up) return;
    p.enabled = up;
    if (up) this.enable(p);
    else this.disable(p);
  }

  /** Takes a decoded BPDU for a port; returns a drop reason when it cannot be used. */
  receive(number: number, m: ReceivedBpdu): BpduDropReason | undefined {
    const p = this.ports.get(number);
    if (!p) return BpduDrop.NoSuchPort;
    if (!p.enabled) return BpduDrop.PortDown;
    const v = m.vector;
    // A port's own BPDU come back (a cable from a port to itself); another port's is a backup link.
    if (m.type !== BpduType.Tcn && v.bridgeMac === this.mac && v.bridgePriority === this.priority && v.portId === p.portId) {
      return BpduDrop.Looped;
    }
    const c = p.counters;
    if (m.type === BpduType.Tcn) c.rxTcn++;
    else if (m.type === BpduType.Rst) c.rxRst++;
    else c.rxConfig++;
    v.rxPortId = p.portId;
    this.handle(p, m);
    return undefined;
  }

  poll(now: number): void {
    if (!(now >= this.now)) now = this.now;
    for (let next = this.nextDeadline(); next <= now; next = this.nextDeadline()) {
      this.now = next;
      this.run();
    }
    this.now = now;
    this.run();
  }

  pollAt(): number {
    return this.nextDeadline();
  }

  /** The earlier of `best` and `deadline`, if `deadline` is still to come. */
  protected sooner(deadline: number, best: number): number {
    return deadline > this.now && deadline < best ? deadline : best;
  }

  protected running(deadline: number): boolean {
    return deadline > this.now;
  }

  protected after(seconds: number): number {
    return this.now + seconds * 1000;
  }

  /** Publishes what the switch may do with frames of this port. */
  protected setFlags(p: P, learning: boolean, forwarding: boolean): void {
    this.cfg.flags[p.number] = (learning ? LEARNS : 0) | (forwarding ? FORWARDS : 0);
  }

  protected flush(p: P): void {
    p.counters.flushes++;
    this.cfg.onFlush?.(p.number);
  }

  protected sendPriority(p: P, kind: 'config' | 'rst', flags: number, vector: PriorityVector, times: StpTimes): void {
    if (kind === 'rst') p.counters.txRst++;
    else p.counters.txConfig++;
    this.cfg.send(p.number, priorityBpdu(kind, this.mac, flags, vector, times));
  }

  protected sendTcn(p: P): void {
    p.counters.txTcn++;
    this.cfg.send(p.number, tcnBpdu(this.mac));
  }
}
