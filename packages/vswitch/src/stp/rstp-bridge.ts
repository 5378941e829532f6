/**
 * 802.1w rapid spanning tree, as 802.1D-2004 clause 17 specifies it.
 *
 * What: roles first, states after. Each port keeps the best priority vector heard on its link;
 * role selection makes the port with the best path to the root the root port, ports whose own
 * offer is better designated, and the rest alternate (a path to the root through another
 * bridge: ready to take over at once) or backup (another port of this bridge on the link).
 * A designated port that is not forwarding proposes; the bridge across agrees once it has put
 * its own designated ports in sync (discarding, or agreed), and the proposer forwards at once
 * — the handshake travels down the tree instead of waiting out timers. When the root port
 * fails, the best alternate becomes root port and forwards immediately. Information not
 * refreshed for three hellos ages out. A port becoming forwarding is a topology change: it
 * flushes the MACs of the bridge's other ports and sends TC flags, and each bridge hearing one
 * flushes every port but the one it came in on. Ports toward an 802.1D bridge fall back to
 * Configuration and TCN BPDUs. Ports that hear no BPDU become edge ports.
 *
 * Design: the state machines of §17.22-17.31 (port information, role selection, role
 * transitions, state transitions, topology change, migration, edge detection, transmit) as
 * condition checks over per-port flags, run to a fixed point after every event; timers are
 * deadlines (a "while" timer is zero once its deadline passed). All links are point-to-point.
 */
import { BpduType, StpFlags, StpPortRole as WireRole } from '@vnet/frame';
import type { ReceivedBpdu } from './bpdu.js';
import { Engine, type EngineConfig, OFF } from './engine.js';
import { Info, RstpPort, Tc } from './rstp-port.js';
import type { StpPortRole, StpPortState } from './types.js';
import { compareDesignated, compareVectors, PriorityVector, StpTimes } from './vector.js';

/** Seconds to wait before changing the BPDU version a port sends, or declaring it an edge. */
const MIGRATE_TIME = 3;
/** BPDUs a port may send per second. */
const TX_HOLD_COUNT = 6;

export class RstpBridge extends Engine<RstpPort> {
  readonly rootVector = new PriorityVector();
  private readonly rootTimes = new StpTimes();
  private root: RstpPort | undefined;
  /** Counts down transmit credits once a second while some port has used any. */
  private tick = OFF;
  private readonly candidate = new PriorityVector();

  constructor(cfg: EngineConfig) {
    super(cfg);
    this.rootVector.set(this.priority, this.mac, 0, this.priority, this.mac, 0, 0);
    this.rootTimes.copy(this.bridgeTimes);
  }

  get rootPortNumber(): number {
    return this.root?.number ?? 0;
  }

  get topologyChange(): boolean {
    for (const p of this.list) if (this.running(p.tcWhile)) return true;
    return false;
  }

  portState(p: RstpPort): StpPortState {
    if (!p.enabled) return 'disabled';
    return p.forwarding ? 'forwarding' : p.learning ? 'learning' : 'discarding';
  }

  portRole(p: RstpPort): StpPortRole {
    return p.role;
  }

  portVector(p: RstpPort): PriorityVector {
    return p.portPriority;
  }

  protected createPort(number: number, portId: number, pathCost: number, edge: boolean): RstpPort {
    const p = new RstpPort(number, portId, pathCost, edge);
    p.designatedPriority.set(this.priority, this.mac, 0, this.priority, this.mac, portId, portId);
    p.designatedTimes.copy(this.bridgeTimes);
    p.portPriority.copy(p.designatedPriority);
    p.portTimes.copy(this.bridgeTimes);
    // As DISABLED_PORT leaves it: a new designated port waits for an agreement, edge
    // detection or max age before it learns.
    p.fdWhile = this.after(this.bridgeTimes.maxAge);
    p.synced = true;
    return p;
  }

  protected enable(p: RstpPort): void {
    // Migration (§17.24) starts out sending RST BPDUs; bridge detection (§17.25) restarts.
    p.sendRstp = true;
    p.mdelayWhile = this.after(MIGRATE_TIME);
    p.operEdge = p.adminEdge;
    p.edgeDelayWhile = this.after(MIGRATE_TIME);
    p.helloWhen = OFF;
    this.settle();
  }

  protected disable(p: RstpPort): void {
    p.operEdge = p.adminEdge;
    this.settle();
  }

  protected handle(p: RstpPort, m: ReceivedBpdu): void {
    // Anything pending (new roles, information to update) first, as the machines would.
    this.settle();
    this.migrate(p, m);
    p.operEdge = false;
    p.edgeDelayWhile = this.after(MIGRATE_TIME);
    if (m.type === BpduType.Tcn) p.rcvdTcn = true;
    else this.receiveInfo(p, m);
    this.settle();
  }

  /** Port Protocol Migration (§17.24): talk 802.1D to a bridge that does, once per migrate time. */
  private migrate(p: RstpPort, m: ReceivedBpdu): void {
    if (this.running(p.mdelayWhile)) return;
    const rst = m.type === BpduType.Rst;
    if (p.sendRstp !== rst) {
      p.sendRstp = rst;
      p.mdelayWhile = this.after(MIGRATE_TIME);
    }
  }

  /** Port Information, RECEIVE (§17.27, the rcvInfo procedure). */
  private receiveInfo(p: RstpPort, m: ReceivedBpdu): void {
    const v = m.vector;
    const role = m.type === BpduType.Config ? WireRole.Designated : (m.flags & StpFlags.PortRoleMask) >>> 2;
    const rst = m.type === BpduType.Rst;
    const cmp = compareDesignated(v, p.portPriority);
    if (role === WireRole.Designated) {
      const repeated = cmp === 0 && m.times.equals(p.portTimes) && p.infoIs === Info.Received;
      // Superior: better, or anything from the link's current designated port (§17.6).
      const sameSender = v.bridgeMac === p.portPriority.bridgeMac && (v.portId & 0xfff) === (p.portPriority.portId & 0xfff);
      if (repeated) {
        if (rst && m.flags & StpFlags.Proposal) p.proposed = true;
        this.setTcFlags(p, m);
        this.updtRcvdInfoWhile(p);
      } else if (cmp < 0 || sameSender) {
        const betterOrSame = p.infoIs === Info.Received && cmp <= 0;
        p.agreed = false;
        p.proposing = false;
        if (rst && m.flags & StpFlags.Proposal) p.proposed = true;
        this.setTcFlags(p, m);
        p.agree = p.agree && betterOrSame;
        p.portPriority.copy(v);
        p.portTimes.copy(m.times);
        // 802.1Q: a hello time below a second is taken as one.
        if (p.portTimes.helloTime < 1) p.portTimes.helloTime = 1;
        this.updtRcvdInfoWhile(p);
        p.infoIs = Info.Received;
        p.reselect = true;
        p.selected = false;
      } else if (rst && m.flags & StpFlags.Learning) {
        // An inferior designated port that learns: the link is one-way somewhere (recordDispute).
        p.disputed = true;
        p.agreed = false;
      }
    } else if ((role === WireRole.Root || role === WireRole.AlternateBackup) && cmp >= 0) {
      // The bridge across took our offer: did it agree to our proposal (recordAgreement)?
      if (rst && m.flags & StpFlags.Agreement) {
        p.agreed = true;
        p.proposing = false;
      } else {
        p.agreed = false;
      }
      this.setTcFlags(p, m);
    }
  }

  private setTcFlags(p: RstpPort, m: ReceivedBpdu): void {
    if (m.flags & StpFlags.TopologyChange) p.rcvdTc = true;
    if (m.flags & StpFlags.TopologyChangeAck) p.rcvdTcAck = true;
  }

  /** Three hellos, unless the information is already as old as max age allows. */
  private updtRcvdInfoWhile(p: RstpPort): void {
    const t = p.portTimes;
    p.rcvdInfoWhile = Math.round(t.messageAge + 1) <= t.maxAge ? this.after(3 * t.helloTime) : this.now;
  }

  /** Runs the machines until nothing changes, then transmits what is new. */
  private settle(): void {
    this.holdTimers();
    for (let round = 0; round < 1000; round++) {
      let changed = false;
      for (const p of this.list) if (this.portInformation(p)) changed = true;
      if (this.reselectPending()) {
        this.selectRoles();
        changed = true;
      }
      for (const p of this.list) if (this.roleTransitions(p)) changed = true;
      for (const p of this.list) if (this.stateTransitions(p)) changed = true;
      for (const p of this.list) if (this.topologyChanges(p)) changed = true;
      for (const p of this.list) if (this.edgeDetection(p)) changed = true;
      if (!changed) break;
    }
    if (this.tick !== OFF && this.tick <= this.now) {
      let any = false;
      for (const p of this.list) if (p.txCount > 0 && --p.txCount > 0) any = true;
      this.tick = any ? this.after(1) : OFF;
    }
    for (const p of this.list) this.transmit(p);
  }

  /**
   * The timers the machines keep reloading while a port stays in a state (§17.29 DISABLED_PORT,
   * ROOT_PORT, ALTERNATE_PORT, BACKUP_PORT): as deadlines they are refreshed at every event.
   */
  private holdTimers(): void {
    for (const p of this.list) {
      if (p.role === 'disabled' && !p.learning && !p.forwarding) p.fdWhile = this.after(p.designatedTimes.maxAge);
      if (p.role === 'root' && p.selected && !p.updtInfo) p.rrWhile = this.after(p.designatedTimes.forwardDelay);
      if ((p.role === 'alternate' || p.role === 'backup') && !p.learning && !p.forwarding) p.fdWhile = this.after(this.forwardDelay(p));
      if (p.role === 'backup') p.rbWhile = this.after(2 * p.designatedTimes.helloTime);
    }
  }

  /** Port Information (§17.27) other than RECEIVE. */
  private portInformation(p: RstpPort): boolean {
    if (!p.enabled) {
      if (p.infoIs === Info.Disabled) return false;
      p.proposing = p.proposed = p.agree = p.agreed = false;
      p.rcvdInfoWhile = OFF;
      p.infoIs = Info.Disabled;
      p.reselect = true;
      p.selected = false;
      return true;
    }
    if (p.infoIs === Info.Disabled) {
      p.infoIs = Info.Aged;
      p.reselect = true;
      p.selected = false;
      return true;
    }
    if (p.selected && p.updtInfo) {
      // UPDATE: the port now carries this bridge's offer.
      p.proposing = p.proposed = false;
      p.agreed = p.agreed && p.infoIs === Info.Mine && compareDesignated(p.designatedPriority, p.portPriority) <= 0;
      p.synced = p.synced && p.agreed;
      p.portPriority.copy(p.designatedPriority);
      p.portTimes.copy(p.designatedTimes);
      p.updtInfo = false;
      p.infoIs = Info.Mine;
      p.newInfo = true;
      return true;
    }
    if (p.infoIs === Info.Received && !this.running(p.rcvdInfoWhile) && !p.updtInfo) {
      p.infoIs = Info.Aged;
      p.reselect = true;
      p.selected = false;
      return true;
    }
    return false;
  }

  private reselectPending(): boolean {
    for (const p of this.list) if (p.reselect) return true;
    return false;
  }

  /** Port Role Selection (§17.28, the updtRolesTree procedure). */
  private selectRoles(): void {
    for (const p of this.list) p.reselect = false;
    const best = this.rootVector.set(this.priority, this.mac, 0, this.priority, this.mac, 0, 0);
    let root: RstpPort | undefined;
    for (const p of this.list) {
      // Information from this bridge's own ports never makes a path to the root.
      if (p.infoIs !== Info.Received || p.portPriority.bridgeMac === this.mac) continue;
      const c = this.candidate.copy(p.portPriority);
      c.rootPathCost += p.pathCost;
      c.rxPortId = p.portId;
      if (compareVectors(c, best) < 0) {
        best.copy(c);
        root = p;
      }
    }
    this.root = root;
    if (root) {
      this.rootTimes.copy(root.portTimes);
      this.rootTimes.messageAge = Math.round(this.rootTimes.messageAge + 1);
    } else {
      this.rootTimes.copy(this.bridgeTimes);
    }
    for (const p of this.list) {
      p.designatedPriority.set(best.rootPriority, best.rootMac, best.rootPathCost, this.priority, this.mac, p.portId, p.portId);
      p.designatedTimes.copy(this.rootTimes);
      p.designatedTimes.helloTime = this.bridgeTimes.helloTime;
      switch (p.infoIs) {
        case Info.Disabled:
          p.selectedRole = 'disabled';
          break;
        case Info.Aged:
          p.selectedRole = 'designated';
          p.updtInfo = true;
          break;
        case Info.Mine:
          p.selectedRole = 'designated';
          p.updtInfo = compareVectors(p.portPriority, p.designatedPriority) !== 0 || !p.portTimes.equals(p.designatedTimes);
          break;
        case Info.Received:
          if (p === root) {
            p.selectedRole = 'root';
            p.updtInfo = false;
          } else if (compareDesignated(p.designatedPriority, p.portPriority) >= 0) {
            // The link has a better designated port than we would be.
            const ours = p.portPriority.bridgeMac === this.mac && p.portPriority.bridgePriority === this.priority;
            p.selectedRole = ours ? 'backup' : 'alternate';
            p.updtInfo = false;
          } else {
            p.selectedRole = 'designated';
            p.updtInfo = true;
          }
          break;
      }
    }
    for (const p of this.list) p.selected = true;
  }

  /** Port Role Transitions (§17.29). */
  private roleTransitions(p: RstpPort): boolean {
    if (!p.selected || p.updtInfo) return false;
    if (p.role !== p.selectedRole) {
      p.role = p.selectedRole;
      switch (p.role) {
        case 'disabled':
        case 'alternate':
        case 'backup':
          p.learn = p.forward = false;
          break;
        case 'root':
          p.rrWhile = this.after(p.designatedTimes.forwardDelay);
          break;
      }
      return true;
    }
    switch (p.role) {
      case 'disabled':
        return this.disabledPort(p);
      case 'alternate':
      case 'backup':
        return this.alternatePort(p);
      case 'root':
        return this.rootPort(p);
      case 'designated':
        return this.designatedPort(p);
    }
  }

  private disabledPort(p: RstpPort): boolean {
    if (p.learning || p.forwarding) return false;
    p.fdWhile = this.after(p.designatedTimes.maxAge);
    if (p.synced && !p.sync && !p.reRoot && !this.running(p.rrWhile)) return false;
    p.synced = true;
    p.rrWhile = OFF;
    p.sync = p.reRoot = false;
    return true;
  }

  private alternatePort(p: RstpPort): boolean {
    if (p.learning || p.forwarding) return false;
    p.fdWhile = this.after(this.forwardDelay(p));
    if (p.role === 'backup') p.rbWhile = this.after(2 * p.designatedTimes.helloTime);
    if (!p.synced || p.sync || p.reRoot || this.running(p.rrWhile)) {
      p.synced = true;
      p.rrWhile = OFF;
      p.sync = p.reRoot = false;
      return true;
    }
    if (p.proposed && !p.agree) {
      this.setSyncTree();
      p.proposed = false;
      return true;
    }
    if ((p.proposed && p.agree) || (!p.agree && this.allSynced(p))) {
      p.proposed = false;
      p.agree = true;
      p.newInfo = true;
      return true;
    }
    return false;
  }

  private rootPort(p: RstpPort): boolean {
    p.rrWhile = this.after(p.designatedTimes.forwardDelay);
    if (p.proposed && !p.agree) {
      // A proposal from upstream: put our designated ports in sync before agreeing.
      this.setSyncTree();
      p.proposed = false;
      return true;
    }
    if ((p.proposed && p.agree) || (!p.agree && this.allSynced(p))) {
      p.proposed = p.sync = false;
      p.agree = true;
      p.newInfo = true;
      return true;
    }
    if ((p.agreed && !p.synced) || (p.sync && p.synced)) {
      p.synced = true;
      p.sync = false;
      return true;
    }
    if (!p.forward && !p.reRoot) {
      // A new root port: the old one must stop forwarding first.
      for (const q of this.list) q.reRoot = true;
      return true;
    }
    const ready = !this.running(p.fdWhile) || (this.reRooted(p) && !this.running(p.rbWhile));
    if (ready && !p.learn) {
      p.fdWhile = this.after(this.forwardDelay(p));
      p.learn = true;
      return true;
    }
    if (ready && p.learn && !p.forward) {
      p.fdWhile = OFF;
      p.forward = true;
      return true;
    }
    if (p.reRoot && p.forward) {
      p.reRoot = false;
      return true;
    }
    return false;
  }

  private designatedPort(p: RstpPort): boolean {
    if (!p.forward && !p.agreed && !p.proposing && !p.operEdge) {
      p.proposing = true;
      p.edgeDelayWhile = this.after(MIGRATE_TIME);
      p.newInfo = true;
      return true;
    }
    if ((!p.learning && !p.forwarding && !p.synced) || (p.agreed && !p.synced) || (p.operEdge && !p.synced) || (p.sync && p.synced)) {
      p.rrWhile = OFF;
      p.synced = true;
      p.sync = false;
      return true;
    }
    if (p.reRoot && !this.running(p.rrWhile)) {
      p.reRoot = false;
      return true;
    }
    if (((p.sync && !p.synced) || (p.reRoot && this.running(p.rrWhile)) || p.disputed) && !p.operEdge && (p.learn || p.forward)) {
      p.learn = p.forward = p.disputed = false;
      p.fdWhile = this.after(this.forwardDelay(p));
      return true;
    }
    const clear = (!this.running(p.fdWhile) || p.agreed || p.operEdge) && (!this.running(p.rrWhile) || !p.reRoot) && !p.sync;
    if (clear && !p.learn) {
      p.learn = true;
      p.fdWhile = this.after(this.forwardDelay(p));
      return true;
    }
    if (clear && p.learn && !p.forward) {
      p.forward = true;
      p.fdWhile = OFF;
      p.agreed = p.sendRstp;
      return true;
    }
    return false;
  }

  /** Every port's role settled, and every other port (bar the root port) synced (802.1Q's allSynced). */
  private allSynced(p: RstpPort): boolean {
    for (const q of this.list) {
      if (!q.selected || q.role !== q.selectedRole || q.updtInfo) return false;
      if (p.role === 'designated' ? q !== p && !q.synced : q.role !== 'root' && !q.synced) return false;
    }
    return true;
  }

  /** No other port was a root port recently. */
  private reRooted(p: RstpPort): boolean {
    for (const q of this.list) if (q !== p && this.running(q.rrWhile)) return false;
    return true;
  }

  private setSyncTree(): void {
    for (const q of this.list) q.sync = true;
  }

  /** Hello time toward RSTP bridges, which agree; forward delay toward 802.1D ones. */
  private forwardDelay(p: RstpPort): number {
    return p.sendRstp ? p.designatedTimes.helloTime : p.designatedTimes.forwardDelay;
  }

  /** Port State Transitions (§17.30): learning and forwarding follow learn and forward. */
  private stateTransitions(p: RstpPort): boolean {
    let learning = p.learning;
    let forwarding = p.forwarding;
    if (forwarding && !p.forward) learning = forwarding = false;
    if (!learning && p.learn) learning = true;
    if (learning && !p.learn) learning = false;
    if (learning && !forwarding && p.forward) forwarding = true;
    if (learning === p.learning && forwarding === p.forwarding) return false;
    p.learning = learning;
    p.forwarding = forwarding;
    this.setFlags(p, learning, forwarding);
    return true;
  }

  /** Topology Change (§17.31). */
  private topologyChanges(p: RstpPort): boolean {
    const active = p.role === 'root' || p.role === 'designated';
    switch (p.tcState) {
      case Tc.Inactive:
        if (!p.learn) return false;
        this.tcLearning(p);
        return true;
      case Tc.Learning:
        if (active && p.forward && !p.operEdge) {
          // DETECTED: a port began forwarding; the rest of the bridge forgets what it learned.
          this.newTcWhile(p);
          this.setTcPropTree(p);
          p.newInfo = true;
          p.tcState = Tc.Active;
          return true;
        }
        if (p.rcvdTc || p.rcvdTcn || p.rcvdTcAck || p.tcProp) {
          this.tcLearning(p);
          return true;
        }
        if (!active && !p.learn && !p.learning) {
          // INACTIVE: the port stopped; what was learned on it is stale.
          this.flush(p);
          p.tcWhile = OFF;
          p.tcAck = false;
          p.tcState = Tc.Inactive;
          return true;
        }
        return false;
      case Tc.Active:
        if (!active || p.operEdge) {
          this.tcLearning(p);
          return true;
        }
        if (p.rcvdTcn || p.rcvdTc) {
          // NOTIFIED_TCN / NOTIFIED_TC: the change is behind this port; flush the others.
          if (p.rcvdTcn) this.newTcWhile(p);
          p.rcvdTcn = p.rcvdTc = false;
          if (p.role === 'designated') p.tcAck = true;
          this.setTcPropTree(p);
          return true;
        }
        if (p.tcProp && !p.operEdge) {
          // PROPAGATING.
          this.newTcWhile(p);
          this.flush(p);
          p.tcProp = false;
          return true;
        }
        if (p.rcvdTcAck) {
          p.tcWhile = OFF;
          p.rcvdTcAck = false;
          return true;
        }
        return false;
    }
  }

  private tcLearning(p: RstpPort): void {
    p.rcvdTc = p.rcvdTcn = p.rcvdTcAck = p.tcProp = false;
    p.tcState = Tc.Learning;
  }

  private newTcWhile(p: RstpPort): void {
    if (this.running(p.tcWhile)) return;
    if (p.sendRstp) {
      p.tcWhile = this.after(p.designatedTimes.helloTime + 1);
      p.newInfo = true;
    } else {
      p.tcWhile = this.after(this.rootTimes.maxAge + this.rootTimes.forwardDelay);
    }
  }

  private setTcPropTree(except: RstpPort): void {
    for (const q of this.list) if (q !== except) q.tcProp = true;
  }

  /** Bridge Detection (§17.25): a designated port whose proposals go unanswered has no bridge behind it. */
  private edgeDetection(p: RstpPort): boolean {
    if (p.operEdge || !p.enabled || p.role !== 'designated' || !p.sendRstp || !p.proposing || this.running(p.edgeDelayWhile)) return false;
    p.operEdge = true;
    return true;
  }

  /** Port Transmit (§17.26): new information at once, within TX_HOLD_COUNT a second; designated ports each hello. */
  private transmit(p: RstpPort): void {
    if (!p.enabled || !p.selected || p.updtInfo) return;
    if (!this.running(p.helloWhen)) {
      p.helloWhen = this.after(p.designatedTimes.helloTime);
      if (p.role === 'designated' || (p.role === 'root' && this.running(p.tcWhile))) p.newInfo = true;
    }
    if (!p.newInfo || p.txCount >= TX_HOLD_COUNT) return;
    if (p.sendRstp) this.sendPriority(p, 'rst', this.rstFlags(p), p.designatedPriority, p.designatedTimes);
    else if (p.role === 'designated') this.sendPriority(p, 'config', this.configFlags(p), p.designatedPriority, p.designatedTimes);
    else if (p.role === 'root' && this.running(p.tcWhile)) this.sendTcn(p);
    else {
      p.newInfo = false;
      return;
    }
    p.newInfo = false;
    p.tcAck = false;
    p.txCount++;
    if (this.tick === OFF) this.tick = this.after(1);
  }

  private rstFlags(p: RstpPort): number {
    const role =
      p.role === 'root'
        ? WireRole.Root
        : p.role === 'designated'
          ? WireRole.Designated
          : p.role === 'disabled'
            ? WireRole.Unknown
            : WireRole.AlternateBackup;
    return (
      (this.running(p.tcWhile) ? StpFlags.TopologyChange : 0) |
      (p.proposing && p.role === 'designated' ? StpFlags.Proposal : 0) |
      (role << 2) |
      (p.learning ? StpFlags.Learning : 0) |
      (p.forwarding ? StpFlags.Forwarding : 0) |
      (p.agree ? StpFlags.Agreement : 0)
    );
  }

  private configFlags(p: RstpPort): number {
    return (this.running(p.tcWhile) ? StpFlags.TopologyChange : 0) | (p.tcAck ? StpFlags.TopologyChangeAck : 0);
  }

  protected nextDeadline(): number {
    let at = this.sooner(this.tick, Number.POSITIVE_INFINITY);
    for (const p of this.list) {
      if (!p.enabled) continue;
      // Timers held at their full value while the port keeps its role wake nobody.
      const blocked = p.role === 'alternate' || p.role === 'backup';
      at = this.sooner(p.helloWhen, at);
      if (!blocked || p.learning || p.forwarding) at = this.sooner(p.fdWhile, at);
      if (p.role !== 'root') at = this.sooner(p.rrWhile, at);
      if (p.role !== 'backup') at = this.sooner(p.rbWhile, at);
      at = this.sooner(p.tcWhile, at);
      at = this.sooner(p.rcvdInfoWhile, at);
      at = this.sooner(p.edgeDelayWhile, at);
      at = this.sooner(p.mdelayWhile, at);
    }
    return at;
  }

  protected run(): void {
    this.settle();
  }
}
