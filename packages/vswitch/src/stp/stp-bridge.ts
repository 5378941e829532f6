/**
 * 802.1D-1998 spanning tree: Configuration and TCN BPDUs, the classic timers.
 *
 * What: the bridge with the lowest ID is root. Every other bridge keeps, per port, the best
 * configuration heard on that port's link (root, root path cost, designated bridge, designated
 * port); its root port is the one with the best path to the root (cost, then the sender's
 * bridge ID, then its port ID, then our own port ID), and it is the designated bridge of every
 * link where its own offer is the best. Ports that are neither block. A port on its way to
 * forwarding spends a forward delay listening and another learning. The root sends a
 * Configuration BPDU each hello time; others relay it when their root port hears it.
 * Information not refreshed within max age expires — that is how a failure behind a
 * neighbour is noticed. A bridge that sees a port reach forwarding or leave it sends TCNs
 * towards the root until acknowledged; the root then sets the topology change flag for max
 * age + forward delay.
 *
 * Design: the procedures of 802.1D-1998 §8.6-8.8 (root and designated port selection, port
 * state selection, the supersedes test, hold timer), with timers as deadlines. A change of
 * topology flushes every port's MACs each time it is heard from the root — an emulation of the
 * short aging (forward delay) 802.1D uses while the flag is set.
 *
 * Why: STP is the baseline whose reconvergence (up to max age + 2 × forward delay, 50 s at
 * the defaults) motivates RSTP; see rstp-bridge.ts.
 */
import { BpduType, StpFlags } from '@vnet/frame';
import type { ReceivedBpdu } from './bpdu.js';
import { BasePort, Engine, type EngineConfig, OFF } from './engine.js';
import type { StpPortRole, StpPortState } from './types.js';
import { compareBridgeIds, compareVectors, PriorityVector, StpTimes } from './vector.js';

type ClassicState = 'disabled' | 'blocking' | 'listening' | 'learning' | 'forwarding';

/** Seconds between two Configuration BPDUs out of one port, at least. */
const HOLD_TIME = 1;
/** Seconds a relayed BPDU's message age grows by, over the time it was held. */
const MESSAGE_AGE_INCREMENT = 1;

class StpPort extends BasePort {
  state: ClassicState = 'disabled';
  /** The best configuration heard on the link: the designated port's offer. */
  readonly designated = new PriorityVector();
  tcAck = false;
  configPending = false;
  /** Whether entering or leaving forwarding is a topology change (not for PortFast ports). */
  changeDetection = true;
  /** Message age of the recorded configuration, and when it was recorded (ms). */
  ageReceived = 0;
  ageAt = 0;
  messageAgeTimer = OFF;
  forwardDelayTimer = OFF;
  holdTimer = OFF;
}

export class StpBridge extends Engine<StpPort> {
  readonly rootVector = new PriorityVector();
  private root: StpPort | undefined;
  /** The timers in force: the root's. */
  private readonly times = new StpTimes();
  private tcDetected = false;
  private tc = false;
  private helloTimer = OFF;
  private tcnTimer = OFF;
  private tcTimer = OFF;
  private readonly best = new PriorityVector();
  private readonly candidate = new PriorityVector();
  private readonly txTimes = new StpTimes();

  constructor(cfg: EngineConfig) {
    super(cfg);
    this.rootVector.set(this.priority, this.mac, 0, this.priority, this.mac, 0, 0);
    this.times.copy(this.bridgeTimes);
    this.helloTimer = this.after(this.bridgeTimes.helloTime);
  }

  get rootPortNumber(): number {
    return this.root?.number ?? 0;
  }

  get topologyChange(): boolean {
    return this.tc;
  }

  portState(p: StpPort): StpPortState {
    return p.state;
  }

  portRole(p: StpPort): StpPortRole {
    if (p.state === 'disabled') return 'disabled';
    if (p === this.root) return 'root';
    if (this.isDesignatedPort(p)) return 'designated';
    // Blocked behind another port of this same bridge: a backup of that port.
    return p.designated.bridgeMac === this.mac && p.designated.bridgePriority === this.priority ? 'backup' : 'alternate';
  }

  portVector(p: StpPort): PriorityVector {
    return p.designated;
  }

  protected createPort(number: number, portId: number, pathCost: number, edge: boolean): StpPort {
    return new StpPort(number, portId, pathCost, edge);
  }

  /** Enable Port (§8.8). */
  protected enable(p: StpPort): void {
    this.becomeDesignatedPort(p);
    this.setState(p, 'blocking');
    p.tcAck = false;
    p.configPending = false;
    p.operEdge = p.adminEdge;
    p.changeDetection = !p.adminEdge;
    p.messageAgeTimer = p.forwardDelayTimer = p.holdTimer = OFF;
    this.portStateSelection();
  }

  /** Disable Port (§8.8). */
  protected disable(p: StpPort): void {
    const wasRoot = this.isRoot;
    const wasActive = p.state === 'forwarding' || p.state === 'learning';
    this.becomeDesignatedPort(p);
    this.setState(p, 'disabled');
    p.tcAck = false;
    p.configPending = false;
    p.messageAgeTimer = p.forwardDelayTimer = p.holdTimer = OFF;
    this.flush(p);
    this.configurationUpdate();
    this.portStateSelection();
    if (this.isRoot && !wasRoot) this.becomeRoot();
    // The path through this port is gone: tell the root, so the others forget MACs behind it.
    else if (wasActive && p.changeDetection) this.topologyChangeDetection();
  }

  protected handle(p: StpPort, m: ReceivedBpdu): void {
    if (p.operEdge) {
      // A bridge behind a PortFast port: it becomes an ordinary port.
      p.operEdge = false;
      p.changeDetection = true;
    }
    if (m.type === BpduType.Tcn) this.receivedTcn(p);
    // An RST BPDU begins with a Configuration BPDU's fields, which is how 802.1D-1998 bridges read it.
    else this.receivedConfig(p, m);
  }

  /** Received Configuration BPDU (§8.7). */
  private receivedConfig(p: StpPort, m: ReceivedBpdu): void {
    if (this.supersedes(p, m)) {
      const wasRoot = this.isRoot;
      this.recordConfig(p, m);
      this.configurationUpdate();
      this.portStateSelection();
      if (wasRoot && !this.isRoot) {
        this.helloTimer = OFF;
        if (this.tcDetected) {
          this.tcTimer = OFF;
          this.transmitTcn();
          this.tcnTimer = this.after(this.bridgeTimes.helloTime);
        }
      }
      if (p === this.root) {
        this.times.set(0, m.times.maxAge, m.times.helloTime, m.times.forwardDelay);
        this.tc = (m.flags & StpFlags.TopologyChange) !== 0;
        if (this.tc) this.flushAll();
        this.configBpduGeneration();
        if (m.flags & StpFlags.TopologyChangeAck) {
          this.tcDetected = false;
          this.tcnTimer = OFF;
        }
      }
    } else if (this.isDesignatedPort(p)) {
      // A worse offer on a link we are designated for: answer with ours.
      this.transmitConfig(p);
    }
  }

  /** Received TCN BPDU (§8.7). */
  private receivedTcn(p: StpPort): void {
    if (!this.isDesignatedPort(p)) return;
    this.topologyChangeDetection();
    p.tcAck = true;
    this.transmitConfig(p);
  }

  /** Supersedes (§8.6): better than what the port holds, or a refresh from the same designated bridge. */
  private supersedes(p: StpPort, m: ReceivedBpdu): boolean {
    const v = m.vector;
    const d = p.designated;
    const root = compareBridgeIds(v.rootPriority, v.rootMac, d.rootPriority, d.rootMac);
    if (root !== 0) return root < 0;
    if (v.rootPathCost !== d.rootPathCost) return v.rootPathCost < d.rootPathCost;
    const bridge = compareBridgeIds(v.bridgePriority, v.bridgeMac, d.bridgePriority, d.bridgeMac);
    if (bridge !== 0) return bridge < 0;
    return v.bridgeMac !== this.mac || v.bridgePriority !== this.priority || v.portId <= d.portId;
  }

  private recordConfig(p: StpPort, m: ReceivedBpdu): void {
    p.designated.copy(m.vector);
    p.ageReceived = m.times.messageAge;
    p.ageAt = this.now;
    p.messageAgeTimer = this.after(m.times.maxAge - m.times.messageAge);
  }

  private isDesignatedPort(p: StpPort): boolean {
    const d = p.designated;
    return d.bridgeMac === this.mac && d.bridgePriority === this.priority && d.portId === p.portId;
  }

  private becomeDesignatedPort(p: StpPort): void {
    const r = this.rootVector;
    p.designated.set(r.rootPriority, r.rootMac, r.rootPathCost, this.priority, this.mac, p.portId, p.portId);
  }

  private configurationUpdate(): void {
    this.rootSelection();
    this.designatedPortSelection();
  }

  /** Root Selection: the port with the best path to a root better than this bridge. */
  private rootSelection(): void {
    let root: StpPort | undefined;
    for (const p of this.list) {
      if (p.state === 'disabled' || this.isDesignatedPort(p)) continue;
      const d = p.designated;
      if (compareBridgeIds(d.rootPriority, d.rootMac, this.priority, this.mac) >= 0) continue;
      this.candidate.copy(d);
      this.candidate.rootPathCost += p.pathCost;
      this.candidate.rxPortId = p.portId;
      if (!root || compareVectors(this.candidate, this.best) < 0) {
        root = p;
        this.best.copy(this.candidate);
      }
    }
    this.root = root;
    if (root) this.rootVector.copy(this.best);
    else this.rootVector.set(this.priority, this.mac, 0, this.priority, this.mac, 0, 0);
  }

  /** Designated Port Selection: this bridge is designated where its offer beats the one recorded. */
  private designatedPortSelection(): void {
    const r = this.rootVector;
    for (const p of this.list) {
      const d = p.designated;
      if (
        this.isDesignatedPort(p) ||
        compareBridgeIds(d.rootPriority, d.rootMac, r.rootPriority, r.rootMac) !== 0 ||
        r.rootPathCost < d.rootPathCost ||
        (r.rootPathCost === d.rootPathCost &&
          (compareBridgeIds(this.priority, this.mac, d.bridgePriority, d.bridgeMac) < 0 ||
            (d.bridgeMac === this.mac && d.bridgePriority === this.priority && p.portId <= d.portId)))
      ) {
        this.becomeDesignatedPort(p);
      }
    }
  }

  /** Port State Selection: root and designated ports head for forwarding, the others block. */
  private portStateSelection(): void {
    for (const p of this.list) {
      if (p === this.root) {
        p.configPending = false;
        p.tcAck = false;
        this.makeForwarding(p);
      } else if (this.isDesignatedPort(p)) {
        p.messageAgeTimer = OFF;
        this.makeForwarding(p);
      } else {
        p.configPending = false;
        p.tcAck = false;
        this.makeBlocking(p);
      }
    }
  }

  private makeForwarding(p: StpPort): void {
    if (p.state !== 'blocking') return;
    if (p.operEdge) {
      this.setState(p, 'forwarding');
      return;
    }
    this.setState(p, 'listening');
    p.forwardDelayTimer = this.after(this.times.forwardDelay);
  }

  private makeBlocking(p: StpPort): void {
    if (p.state === 'disabled' || p.state === 'blocking') return;
    if ((p.state === 'forwarding' || p.state === 'learning') && p.changeDetection) this.topologyChangeDetection();
    this.setState(p, 'blocking');
    p.forwardDelayTimer = OFF;
  }

  private setState(p: StpPort, state: ClassicState): void {
    p.state = state;
    this.setFlags(p, state === 'learning' || state === 'forwarding', state === 'forwarding');
  }

  /** This bridge has just found itself root (its root port failed or its information expired). */
  private becomeRoot(): void {
    this.times.copy(this.bridgeTimes);
    this.topologyChangeDetection();
    this.tcnTimer = OFF;
    this.configBpduGeneration();
    this.helloTimer = this.after(this.bridgeTimes.helloTime);
  }

  /** Topology Change Detection: the root raises the flag; other bridges tell the root. */
  private topologyChangeDetection(): void {
    if (this.isRoot) {
      this.tc = true;
      this.tcTimer = this.after(this.bridgeTimes.maxAge + this.bridgeTimes.forwardDelay);
      this.flushAll();
    } else if (!this.tcDetected) {
      this.transmitTcn();
      this.tcnTimer = this.after(this.bridgeTimes.helloTime);
    }
    this.tcDetected = true;
  }

  private flushAll(): void {
    for (const p of this.list) if (p.state !== 'disabled') this.flush(p);
  }

  private configBpduGeneration(): void {
    for (const p of this.list) if (p.state !== 'disabled' && this.isDesignatedPort(p)) this.transmitConfig(p);
  }

  /** Transmit Configuration BPDU: our offer out of a designated port, at most once per hold time. */
  private transmitConfig(p: StpPort): void {
    if (this.running(p.holdTimer)) {
      p.configPending = true;
      return;
    }
    let age = 0;
    const root = this.root;
    if (root) {
      age = root.ageReceived + (this.now - root.ageAt) / 1000 + MESSAGE_AGE_INCREMENT;
      if (age >= this.times.maxAge) return;
    }
    const flags = (this.tc ? StpFlags.TopologyChange : 0) | (p.tcAck ? StpFlags.TopologyChangeAck : 0);
    const t = this.txTimes.set(age, this.times.maxAge, this.times.helloTime, this.times.forwardDelay);
    this.candidate.copy(p.designated);
    this.sendPriority(p, 'config', flags, this.candidate, t);
    p.tcAck = false;
    p.configPending = false;
    p.holdTimer = this.after(HOLD_TIME);
  }

  private transmitTcn(): void {
    if (this.root) this.sendTcn(this.root);
  }

  protected nextDeadline(): number {
    let at = this.sooner(this.helloTimer, Number.POSITIVE_INFINITY);
    at = this.sooner(this.tcnTimer, at);
    at = this.sooner(this.tcTimer, at);
    for (const p of this.list) {
      at = this.sooner(p.messageAgeTimer, at);
      at = this.sooner(p.forwardDelayTimer, at);
      if (p.configPending) at = this.sooner(p.holdTimer, at);
    }
    return at;
  }

  protected run(): void {
    const now = this.now;
    if (this.helloTimer !== OFF && this.helloTimer <= now) {
      if (this.tc) this.flushAll();
      this.configBpduGeneration();
      this.helloTimer = this.after(this.bridgeTimes.helloTime);
    }
    if (this.tcnTimer !== OFF && this.tcnTimer <= now) {
      this.transmitTcn();
      this.tcnTimer = this.after(this.bridgeTimes.helloTime);
    }
    if (this.tcTimer !== OFF && this.tcTimer <= now) {
      this.tcDetected = false;
      this.tc = false;
      this.tcTimer = OFF;
    }
    for (const p of this.list) {
      if (p.messageAgeTimer !== OFF && p.messageAgeTimer <= now) {
        p.messageAgeTimer = OFF;
        this.messageAgeExpiry(p);
      }
      if (p.forwardDelayTimer !== OFF && p.forwardDelayTimer <= now) {
        p.forwardDelayTimer = OFF;
        this.forwardDelayExpiry(p);
      }
      if (p.holdTimer !== OFF && p.holdTimer <= now) {
        p.holdTimer = OFF;
        if (p.configPending) this.transmitConfig(p);
      }
    }
  }

  /** Message Age Timer expiry: the link's designated bridge went quiet; this port takes over the link. */
  private messageAgeExpiry(p: StpPort): void {
    const wasRoot = this.isRoot;
    this.becomeDesignatedPort(p);
    this.configurationUpdate();
    this.portStateSelection();
    if (this.isRoot && !wasRoot) this.becomeRoot();
  }

  /** Forward Delay Timer expiry: listening → learning → forwarding. */
  private forwardDelayExpiry(p: StpPort): void {
    if (p.state === 'listening') {
      this.setState(p, 'learning');
      p.forwardDelayTimer = this.after(this.times.forwardDelay);
    } else if (p.state === 'learning') {
      this.setState(p, 'forwarding');
      if (this.designatedForSomePort() && p.changeDetection) this.topologyChangeDetection();
    }
  }

  private designatedForSomePort(): boolean {
    for (const p of this.list) {
      if (p.state !== 'disabled' && p.designated.bridgeMac === this.mac && p.designated.bridgePriority === this.priority) return true;
    }
    return false;
  }
}
