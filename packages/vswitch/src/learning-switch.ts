/**
 * A learning switch: the forwarding behaviour of an 802.1D bridge with 802.1Q VLANs and, when
 * asked for, spanning tree (STP or RSTP, see stp/).
 *
 * What: a frame arriving on a port is classified into a VLAN by the port's membership (access
 * or trunk, see vlan.ts), teaches the switch where its source MAC lives in that VLAN, and goes
 * out of the one port its destination was learned on, or — broadcast, multicast, unknown
 * unicast — is flooded to every other port of the VLAN. It leaves tagged or untagged as the
 * egress port's membership says, the switch adding or removing the 802.1Q tag.
 *
 * Design: the MAC table (mac-table.ts) has per-VLAN maps, aging and a bounded size with
 * eviction. Time is passed in through `poll(now)` (STYLE.md §1). Every frame that does not leave
 * is counted on its ingress port under a named reason. Frames to the bridge group addresses
 * (01:80:c2:00:00:0x) are never forwarded, as 802.1D says: BPDUs go to the spanning tree, which
 * decides per port whether frames may enter, leave and teach MACs.
 *
 * Why fast: MACs and tags are read as numbers straight from the frame; a frame that leaves as
 * it came (the common case) is handed to the egress port without a copy of its own, and only a
 * tag change goes through one reused scratch buffer.
 */
import { ArpOperation, arp, build, EtherType, ethernet, isMulticastMac, MAC_BROADCAST, payload, setU16, u16, u48 } from '@vnet/frame';
import type { Port, PortStats } from '@vnet/link';
import {
  type Appliance,
  type ApplianceAttachment,
  type ApplianceDirection,
  type ApplianceStats,
  ApplianceVerdict,
  AttachedAppliance,
} from './appliance.js';
import { SwitchError } from './errors.js';
import { FlowPipeline } from './flow/pipeline.js';
import { NORMAL_PORT } from './flow/program.js';
import { NORMAL_PER_FRAME } from './flow/translate.js';
import { type FdbEntry, MacTable } from './mac-table.js';
import { Mirror, type MirrorSpec, type MirrorStats } from './mirror.js';
import { PortSecurity, SecurityDrop, type SecurityPolicy } from './security.js';
import { SpanningTree } from './stp/spanning-tree.js';
import type { SpanningTreeOptions, StpPortOptions, StpPortRole, StpPortState } from './stp/types.js';
import { BEACON_ETHERTYPE, BEACON_INTERVAL_MS, Team, type TeamSpec, type TeamStats } from './team.js';
import { type PortVlan, portGroupVlan, UNTAGGED, VlanMembership } from './vlan.js';

export interface LearningSwitchOptions {
  name: string;
  /** Seconds a learned MAC stays without being seen again (802.1D default 300). */
  agingTime?: number;
  /** MAC table entries at most (default 8192); beyond, the least recently seen are evicted. */
  maxMacs?: number;
  /** Runs spanning tree (OVS's `stp_enable` or `rstp_enable`): the bridge ID, protocol and timers. */
  stp?: Omit<SpanningTreeOptions, 'send' | 'onFlush' | 'now'>;
  /** The clock reading (ms) the switch starts at; later ones come through `poll(now)`. */
  now?: number;
}

/** Why the switch itself dropped a frame (link drops are counted by the links). */
export const SwitchDrop = {
  /** The destination lives on the port the frame came from. */
  SamePort: 'same-port',
  /** Shorter than an Ethernet header. */
  Runt: 'runt',
  /** The ingress port is administratively down. */
  PortDown: 'port-down',
  /** Known unicast whose port is down, no longer in the frame's VLAN, or discarding. */
  NoEgress: 'no-egress',
  /** A local port's own frame coming back from the physical network through a team. */
  Reflected: 'reflected',
  /** For a bridge group address (01:80:c2:00:00:0x): a BPDU, or a protocol no bridge forwards. */
  Reserved: 'reserved-group',
  /** The spanning tree has the port discarding (blocked, or not yet forwarding). */
  StpDiscarding: 'stp-discarding',
  /** An appliance on the port dropped it (see attachAppliance). */
  Appliance: 'appliance',
} as const;

/** 01:80:c2:00:00:00, and the 16 bridge group addresses from it. */
const BRIDGE_GROUP = 0x0180c2000000;

export interface SwitchPortCounters {
  rxFrames: number;
  rxBytes: number;
  txFrames: number;
  txBytes: number;
  /** Frames this port sent because they were flooded. */
  flooded: number;
  drops: Record<string, number>;
}

export type { FdbEntry };

export interface PortOptions {
  /** VLAN membership; untagged by default. */
  vlan?: PortVlan;
  /** The MAC of the NIC behind the port (a VM's vNIC, a host's interface): enables `security`. */
  mac?: number;
  /** vSphere's security policy (promiscuous, MAC changes, forged transmits); needs `mac`. */
  security?: SecurityPolicy;
  /** The port's path cost, priority and edge status, for a switch running spanning tree. */
  stp?: StpPortOptions;
}

export interface SwitchPortInfo {
  number: number;
  name: string;
  up: boolean;
  vlan: PortVlan;
  /** The NIC's initial and effective MACs and the policy, for ports with a known NIC. */
  security?: { initialMac: number; effectiveMac: number; promiscuous: boolean; macChanges: boolean; forgedTransmits: boolean };
  /** The port's spanning-tree role and state, on a switch running one. */
  stp?: { role: StpPortRole; state: StpPortState };
  counters: SwitchPortCounters;
}

interface SwitchPort {
  number: number;
  port: Port;
  up: boolean;
  vlan: VlanMembership;
  security: PortSecurity | undefined;
  /** The uplink team the port is a member of. */
  team: Team<SwitchPort> | undefined;
  /** Administratively up and with carrier: what teaming watches. */
  isUp(): boolean;
  counters: SwitchPortCounters;
  /** The appliances sitting on the port, in the order they were attached. */
  appliances: AttachedAppliance[];
  /** Where frames leaving through appliances are filtered (a flood's frame is shared by every port). */
  scratch: Uint8Array | undefined;
}

const TAG = 4;
/** The largest frame a port carries (64 KiB plus a header): the size of a port's appliance scratch. */
const MAX_FRAME = 65536 + 64;

export class LearningSwitch {
  readonly name: string;
  private readonly table: MacTable;
  private readonly ports = new Map<number, SwitchPort>();
  /** Ports in order, for flooding without allocating. */
  private portList: SwitchPort[] = [];
  /** Ports in promiscuous mode, which get a copy of every frame of their VLAN. */
  private promiscuous: SwitchPort[] = [];
  private mirrors: Mirror[] = [];
  private appliances: AttachedAppliance[] = [];
  private teams: Array<Team<SwitchPort>> = [];
  /** The beacon each member of a beacon-probing team sends, by port number. */
  private readonly beacons = new Map<number, Uint8Array>();
  private now = 0;
  /** Where frames whose tag changes are rebuilt. */
  private readonly scratch = new Uint8Array(65536 + TAG);
  /** The spanning tree, when the switch runs one. */
  readonly stp: SpanningTree | undefined;
  /** BPDUs the tree sent, sent out once it has returned (a peer in the same thread may answer at once). */
  private bpdus: Array<{ port: number; frame: Uint8Array }> = [];
  /**
   * The flow tables every frame goes through first, as in an OVS bridge: at start one flow,
   * `priority=0,actions=NORMAL`, hands every frame to the learning switch.
   */
  readonly flows: FlowPipeline;
  /** The port of the frame in the flow tables, for their `normal` action. */
  private ingress: SwitchPort | undefined;

  constructor(options: LearningSwitchOptions) {
    this.name = options.name;
    this.table = new MacTable((options.agingTime ?? 300) * 1000, options.maxMacs ?? 8192);
    this.now = options.now ?? 0;
    this.table.age(this.now);
    this.flows = new FlowPipeline({
      name: options.name,
      now: this.now,
      output: (port, bytes, offset, length) => this.output(port, bytes, offset, length),
      normal: () => NORMAL_PER_FRAME,
    });
    this.flows.addFlow('priority=0,actions=NORMAL');
    if (options.stp) {
      this.stp = new SpanningTree({
        ...options.stp,
        now: this.now,
        send: (port, frame) => this.bpdus.push({ port, frame }),
        onFlush: (port) => this.table.flushPort(port),
      });
    }
  }

  /** MACs evicted to make room for new ones (a MAC flood shows here). */
  get fdbEvictions(): number {
    return this.table.evictions;
  }

  /** Attaches a port under a number (OVS's ofport; Mininet's s1-eth1 is port 1). */
  addPort(port: Port, number = this.portList.length + 1, options: PortOptions = {}): number {
    if (this.ports.has(number)) throw new SwitchError('port-in-use', `${this.name}: port ${number} is already in use`);
    if (options.security && options.mac === undefined) {
      throw new SwitchError('bad-option', `${this.name}: port ${number} needs the MAC of its NIC for a security policy`);
    }
    const sp: SwitchPort = {
      number,
      port,
      up: true,
      vlan: new VlanMembership(options.vlan ?? UNTAGGED),
      security: options.mac === undefined ? undefined : new PortSecurity(options.mac, options.security),
      team: undefined,
      isUp: () => sp.up && sp.port.up,
      counters: { rxFrames: 0, rxBytes: 0, txFrames: 0, txBytes: 0, flooded: 0, drops: {} },
      appliances: [],
      scratch: undefined,
    };
    if (this.stp) {
      this.stp.addPort(number, options.stp);
      this.stp.setPortUp(number, sp.isUp());
    }
    this.ports.set(number, sp);
    this.reorder();
    this.placeAppliances();
    this.flows.addPort(number);
    this.flows.setPortUp(number, sp.isUp());
    port.onFrame = (bytes, offset, length) => this.receive(sp, bytes, offset, length);
    port.onCarrier = () => this.portStateChanged(sp);
    this.sendBpdus();
    return number;
  }

  removePort(number: number): void {
    const sp = this.ports.get(number);
    if (!sp) return;
    sp.port.onFrame = () => {};
    sp.port.onCarrier = undefined;
    this.ports.delete(number);
    this.reorder();
    this.table.flushPort(number);
    this.flows.removePort(number);
    this.stp?.removePort(number);
    this.sendBpdus();
  }

  /** Changes the security policy of a port with a known NIC. */
  setPortSecurity(number: number, policy: SecurityPolicy): void {
    const sp = this.port(number);
    if (!sp.security) throw new SwitchError('bad-option', `${this.name}: port ${number} has no known NIC MAC, so no security policy`);
    const next = new PortSecurity(sp.security.initialMac, { ...policyOf(sp.security), ...policy });
    next.effectiveMac = sp.security.effectiveMac;
    sp.security = next;
    this.reorder();
  }

  /** The guest behind a port now uses `mac` (what a hypervisor learns when the guest changes its MAC). */
  setEffectiveMac(number: number, mac: number): void {
    const sp = this.port(number);
    if (!sp.security) throw new SwitchError('bad-option', `${this.name}: port ${number} has no known NIC MAC`);
    sp.security.effectiveMac = mac;
  }

  /**
   * Mirrors the frames entering `srcPorts` and leaving `dstPorts` to a port (SPAN) or into a
   * VLAN (RSPAN), as `ovs-vsctl -- --id=@m create mirror …` does.
   */
  addMirror(spec: MirrorSpec): void {
    if (this.mirrors.some((m) => m.spec.name === spec.name))
      throw new SwitchError('bad-option', `${this.name} already has a mirror ${spec.name}`);
    for (const p of [...(spec.srcPorts ?? []), ...(spec.dstPorts ?? [])]) this.port(p);
    if ('port' in spec.output) this.port(spec.output.port);
    const maxPort = Math.max(0, ...this.ports.keys());
    this.mirrors = [...this.mirrors, new Mirror(spec, maxPort)];
  }

  removeMirror(name: string): void {
    this.mirrors = this.mirrors.filter((m) => m.spec.name !== name);
  }

  mirrorStats(): MirrorStats[] {
    return this.mirrors.map((m) => ({ ...m.stats }));
  }

  /**
   * Puts an appliance between the NICs of some ports and the switch (the vNetwork Appliance
   * API): on ports by number and/or on every port of a port group, including ports added later.
   */
  attachAppliance(appliance: Appliance, at: ApplianceAttachment): void {
    if (typeof appliance?.filter !== 'function') throw new SwitchError('bad-option', `${this.name}: an appliance needs a filter function`);
    if (this.appliances.some((a) => a.appliance.name === appliance.name))
      throw new SwitchError('bad-option', `${this.name} already has an appliance ${appliance.name}`);
    for (const p of at.ports ?? []) this.port(p);
    if (at.portGroupVlan !== undefined) portGroupVlan(at.portGroupVlan);
    if (!at.ports?.length && at.portGroupVlan === undefined)
      throw new SwitchError('bad-option', `${this.name}: say where appliance ${appliance.name} sits: ports, portGroupVlan or both`);
    const inject = (port: number, direction: ApplianceDirection, frame: Uint8Array) => this.inject(port, direction, frame);
    this.appliances = [...this.appliances, new AttachedAppliance(appliance, at, inject)];
    this.placeAppliances();
  }

  detachAppliance(name: string): void {
    this.appliances = this.appliances.filter((a) => a.appliance.name !== name);
    this.placeAppliances();
  }

  applianceStats(): ApplianceStats[] {
    return this.appliances.map((a) => ({ ...a.stats, ports: [...a.stats.ports] }));
  }

  /** Works out which appliances sit on which port, after appliances, ports or VLANs changed. */
  private placeAppliances(): void {
    for (const a of this.appliances) a.stats.ports = [];
    for (const sp of this.portList) {
      const c = sp.vlan.config;
      const vlan = c.mode === 'access' ? c.vlan : -1;
      sp.appliances = this.appliances.filter((a) => a.covers(sp.number, vlan));
      for (const a of sp.appliances) a.stats.ports.push(sp.number);
      if (sp.appliances.length > 0) sp.scratch ??= new Uint8Array(MAX_FRAME);
    }
  }

  /** Runs a frame through the port's appliances: the length to go on with, or -1 when it goes no further. */
  private filter(sp: SwitchPort, direction: ApplianceDirection, b: Uint8Array, offset: number, length: number): number {
    for (const a of sp.appliances) {
      length = a.filter(b, offset, length, direction, sp.number);
      if (length < 0) {
        if (length === ApplianceVerdict.Drop) drop(sp.counters, SwitchDrop.Appliance);
        return -1;
      }
    }
    return length;
  }

  /** A frame from an appliance's slow path, past the appliances of its port (gone by now: then it is dropped). */
  private inject(port: number, direction: ApplianceDirection, frame: Uint8Array): void {
    const sp = this.ports.get(port);
    if (!sp) return;
    if (direction === 'out') {
      this.deliver(sp, frame, 0, frame.length);
      return;
    }
    sp.counters.rxFrames++;
    sp.counters.rxBytes += frame.length;
    if (!sp.up) drop(sp.counters, SwitchDrop.PortDown);
    else this.admit(sp, frame, 0, frame.length);
  }

  private reorder(): void {
    this.portList = [...this.ports.values()].sort((a, b) => a.number - b.number);
    this.promiscuous = this.portList.filter((p) => p.security?.promiscuous);
  }

  /** Changes a port's VLAN membership (`ovs-vsctl set port … tag=10`); what it learned is forgotten. */
  setPortVlan(number: number, vlan: PortVlan): void {
    const sp = this.port(number);
    sp.vlan = new VlanMembership(vlan);
    this.table.flushPort(number);
    this.placeAppliances();
  }

  /** Administrative state of a port, as `ovs-ofctl mod-port s1 1 down`. */
  setPortUp(number: number, up: boolean): void {
    const sp = this.port(number);
    sp.up = up;
    this.portStateChanged(sp);
  }

  /** A port went up or down, administratively or by carrier: the tree and the port's team react. */
  private portStateChanged(sp: SwitchPort): void {
    this.flows.setPortUp(sp.number, sp.isUp());
    if (this.stp) {
      this.stp.setPortUp(sp.number, sp.isUp());
      this.sendBpdus();
    }
    if (sp.team) this.teamChanged(sp.team);
  }

  /**
   * Teams uplink ports (vSphere's NIC teaming): frames leave by one member chosen by the
   * policy; failure is detected by link state, with failover to standby members and RARPs to
   * tell the physical switches.
   */
  addTeam(spec: TeamSpec): void {
    if (this.teams.some((t) => t.spec.name === spec.name))
      throw new SwitchError('bad-option', `${this.name} already has a team ${spec.name}`);
    if (spec.active.length === 0) throw new SwitchError('bad-option', `team ${spec.name} needs at least one active member`);
    if (spec.failureDetection !== undefined && spec.failureDetection !== 'link' && spec.failureDetection !== 'beacon')
      throw new SwitchError('bad-option', `team ${spec.name}: failureDetection is 'link' or 'beacon', not ${spec.failureDetection}`);
    const team = new Team<SwitchPort>(
      spec,
      (n) => {
        const sp = this.port(n);
        if (sp.team) throw new SwitchError('bad-option', `port ${n} is already in team ${sp.team.spec.name}`);
        return sp;
      },
      this.now,
    );
    for (const m of team.members) m.team = team;
    if (team.beacons) for (const m of team.members) this.beacons.set(m.number, this.beaconFrame(m));
    this.teams = [...this.teams, team];
    this.table.flushPort(team.id);
  }

  teamStats(): TeamStats[] {
    return this.teams.map((t) => ({ ...t.stats }));
  }

  /**
   * A member went up or down: pick the members in use again and, if traffic moved, announce
   * every MAC behind the switch (the NICs it knows, the MACs it learned on local ports) with a
   * RARP out of the member now carrying it, as vSphere's "notify switches" does.
   */
  private teamChanged(team: Team<SwitchPort>): void {
    if (!team.refresh(this.now) || !team.spec.notifySwitches) return;
    const behind = new Map<string, { vlan: number; mac: number; port: number }>();
    for (const p of this.portList) {
      if (p.security && p.vlan.config.mode === 'access') {
        behind.set(`${p.vlan.config.vlan}/${p.security.effectiveMac}`, {
          vlan: p.vlan.config.vlan,
          mac: p.security.effectiveMac,
          port: p.number,
        });
      }
    }
    for (const e of this.table.entries()) if (!this.ports.get(e.port)?.team) behind.set(`${e.vlan}/${e.mac}`, e);
    for (const e of behind.values()) {
      const rarp = build(
        ethernet({ src: e.mac, dst: MAC_BROADCAST }),
        arp({ operation: ArpOperation.ReverseRequest, senderMac: e.mac, targetMac: e.mac, ethertype: EtherType.RARP }),
      );
      const member = team.select(e.port, rarp, 0, rarp.length);
      if (member && this.transmit(member, e.vlan, -1, rarp, 0, rarp.length)) team.stats.notifications++;
    }
  }

  /** Advances the switch's clock (ms): ages out MACs not seen for the aging time, runs the tree's timers. */
  poll(now: number): void {
    this.now = now;
    this.table.age(now);
    this.flows.poll(now);
    if (this.stp) {
      this.stp.poll(now);
      this.sendBpdus();
    }
    for (const team of this.teams) {
      if (now < team.nextBeacon) continue;
      team.nextBeacon = now + BEACON_INTERVAL_MS;
      for (const m of team.members) {
        const beacon = this.beacons.get(m.number)!;
        if (m.isUp()) this.transmit(m, beaconVlan(m.vlan.config), -1, beacon, 0, beacon.length);
      }
      this.teamChanged(team);
    }
  }

  /** When `poll` should next run: often enough to age MACs within a second of their time, for the tree and for beacons. */
  pollAt(): number {
    let at = Math.min(this.now + 1000, this.flows.pollAt(), this.stp?.pollAt() ?? Number.POSITIVE_INFINITY);
    for (const team of this.teams) at = Math.min(at, team.nextBeacon);
    return at;
  }

  /** A member's beacon: a broadcast from a MAC of its own (locally administered, from the switch's name and the port), naming the port. */
  private beaconFrame(m: SwitchPort): Uint8Array {
    let h = 0;
    for (const ch of this.name) h = (Math.imul(h, 31) + ch.charCodeAt(0)) & 0xffffff;
    const src = 0x020000000000 + h * 0x10000 + (m.number & 0xffff);
    return build(ethernet({ src, dst: MAC_BROADCAST, ethertype: BEACON_ETHERTYPE }), payload(m.port.name));
  }

  /**
   * Whether a frame that came in on team member `sp` is one of this switch's beacons (then it is
   * taken, not switched): another member's means `sp` still reaches the others.
   */
  private tookBeacon(sp: SwitchPort, b: Uint8Array, offset: number, length: number): boolean {
    let type = offset + 12;
    if (u16(b, type) === EtherType.VLAN && length >= 18) type += 4;
    if (u16(b, type) !== BEACON_ETHERTYPE) return false;
    const src = u48(b, offset + 6);
    for (const m of sp.team!.members) {
      if (u48(this.beacons.get(m.number)!, 6) !== src) continue;
      if (m !== sp) sp.team!.beaconHeard(sp.number, this.now);
      return true;
    }
    return false;
  }

  private sendBpdus(): void {
    if (this.bpdus.length === 0) return;
    const out = this.bpdus;
    this.bpdus = [];
    for (const { port, frame } of out) {
      const sp = this.ports.get(port);
      if (!sp?.isUp()) continue;
      sp.counters.txFrames++;
      sp.counters.txBytes += frame.length;
      sp.port.send(frame, 0, frame.length);
    }
  }

  addStatic(mac: number, port: number, vlan = 0): void {
    this.port(port);
    this.table.addStatic(vlan, mac, port);
  }

  fdb(): FdbEntry[] {
    return this.table.entries();
  }

  portCounters(number: number): SwitchPortCounters | undefined {
    return this.ports.get(number)?.counters;
  }

  portNumbers(): number[] {
    return this.portList.map((p) => p.number);
  }

  portInfo(): SwitchPortInfo[] {
    return this.portList.map((p) => {
      const info: SwitchPortInfo = { number: p.number, name: p.port.name, up: p.up, vlan: p.vlan.config, counters: p.counters };
      if (p.security) info.security = { ...policyOf(p.security), initialMac: p.security.initialMac, effectiveMac: p.security.effectiveMac };
      if (this.stp) info.stp = { role: this.stp.portRole(p.number), state: this.stp.portState(p.number) };
      return info;
    });
  }

  /** The link-level statistics of a port's link end. */
  linkStats(number: number): PortStats | undefined {
    return this.ports.get(number)?.port.stats;
  }

  private port(number: number): SwitchPort {
    const sp = this.ports.get(number);
    if (!sp) throw new SwitchError('no-such-port', `${this.name} has no port ${number}; ports are ${this.portNumbers().join(', ')}`);
    return sp;
  }

  private receive(sp: SwitchPort, b: Uint8Array, offset: number, length: number): void {
    const c = sp.counters;
    c.rxFrames++;
    c.rxBytes += length;
    if (!sp.up) {
      drop(c, SwitchDrop.PortDown);
      return;
    }
    if (sp.appliances.length !== 0) {
      length = this.filter(sp, 'in', b, offset, length);
      if (length < 0) return;
    }
    this.admit(sp, b, offset, length);
  }

  /** A frame the port took in (past its appliances): BPDUs to the tree, the rest to the flow tables. */
  private admit(sp: SwitchPort, b: Uint8Array, offset: number, length: number): void {
    const c = sp.counters;
    if (length < 14) {
      drop(c, SwitchDrop.Runt);
      return;
    }
    const dst = u48(b, offset);
    if (dst - BRIDGE_GROUP < 16 && dst >= BRIDGE_GROUP) {
      if (dst === BRIDGE_GROUP && this.stp) {
        this.stp.receiveBpdu(sp.number, b, offset, length);
        this.sendBpdus();
      } else drop(c, SwitchDrop.Reserved);
      return;
    }
    if (sp.team?.beacons && this.tookBeacon(sp, b, offset, length)) return;
    for (const m of this.mirrors) if (m.selectsReceived(sp.number)) this.mirror(m, b, offset, length);
    if (this.flows.normalOnly) {
      this.flows.countNormal(length);
      this.forward(sp, b, offset, length);
      return;
    }
    this.ingress = sp;
    this.flows.process(b, offset, length, sp.number);
  }

  /** Where the flow tables send a frame: out of a port as it is, or to `normal`, the learning switch. */
  private output(port: number, b: Uint8Array, offset: number, length: number): void {
    const from = this.ingress!;
    if (port === NORMAL_PORT) {
      this.forward(from, b, offset, length);
      return;
    }
    const out = this.ports.get(port)!;
    if (this.stp && !(this.stp.forwards(from.number) && this.stp.forwards(port))) {
      drop(from.counters, SwitchDrop.StpDiscarding);
      return;
    }
    this.send(out, b, offset, length);
  }

  /** The `normal` action: the learning switch's decision for a frame that came in by `sp`. */
  private forward(sp: SwitchPort, b: Uint8Array, offset: number, length: number): void {
    const c = sp.counters;
    const dst = u48(b, offset);
    const type = u16(b, offset + 12);
    // The frame's tag: its VID, or -1 when it has none. A priority tag (VID 0) says nothing
    // about the VLAN: the frame is classified as untagged.
    const tag = (type === EtherType.VLAN || type === EtherType.QinQ) && length >= 18 ? u16(b, offset + 14) & 0x0fff : -1;
    const vlan = sp.vlan.classify(tag > 0 ? tag : -1);
    if (typeof vlan === 'string') {
      drop(c, vlan);
      return;
    }
    const src = u48(b, offset + 6);
    if (sp.security && !sp.security.admits(src)) {
      drop(c, SecurityDrop.ForgedTransmit);
      return;
    }
    const stp = this.stp;
    if (stp && !stp.forwards(sp.number)) {
      // A learning port teaches MACs before it forwards, so the table is ready when it does.
      if (stp.learns(sp.number) && !isMulticastMac(src)) this.table.learn(vlan, src, sp.number);
      drop(c, SwitchDrop.StpDiscarding);
      return;
    }
    // A frame from any member of a team comes from the team. One whose source is a local
    // port's MAC is our own frame reflected by the physical switches: dropped, not learned.
    const from = sp.team ? sp.team.id : sp.number;
    if (sp.team) {
      const owner = this.table.lookup(vlan, src);
      if (owner >= 0 && !this.ports.get(owner)?.team) {
        drop(c, SwitchDrop.Reflected);
        return;
      }
    }
    if (!isMulticastMac(src)) this.table.learn(vlan, src, from);
    const multicast = isMulticastMac(dst);
    if (!multicast) {
      const at = this.table.lookup(vlan, dst);
      if (at === from) {
        drop(c, SwitchDrop.SamePort);
        return;
      }
      if (at >= 0) {
        const learned = this.ports.get(at);
        const out = learned?.team ? learned.team.select(from, b, offset, length) : learned;
        if (out?.up && (!out.security || out.security.delivers(dst, false)) && this.transmit(out, vlan, tag, b, offset, length)) {
          // Promiscuous ports of the VLAN see a copy.
          for (const p of this.promiscuous) if (p !== sp && p !== out && p.up) this.transmit(p, vlan, tag, b, offset, length);
          return;
        }
        drop(c, out?.security?.receiving === false ? SecurityDrop.MacChanged : SwitchDrop.NoEgress);
        return;
      }
    }
    // Broadcast, multicast and unknown unicast: every port of the VLAN whose NIC may see it,
    // and each team once, by the member its policy picks (never back into the team it came from).
    for (const p of this.portList) {
      let out: SwitchPort | undefined = p;
      // Floods from the physical network reach a local port only by the member that port's own
      // traffic leaves by, so a broadcast the physical switches sent to every member arrives once.
      if (sp.team?.pinsPorts && !p.team && sp.team.select(p.number, b, offset, length) !== sp) continue;
      if (p.team) {
        if (p.team === sp.team || p.number !== p.team.id) continue;
        out = p.team.select(from, b, offset, length);
        if (!out) continue;
      }
      if (out === sp || !out.up || (out.security && !out.security.delivers(dst, multicast))) continue;
      if (this.transmit(out, vlan, tag, b, offset, length)) out.counters.flooded++;
    }
  }

  /**
   * Sends a frame of `vlan` (arrived with `tag`, -1 for none) out of a port, tagging or
   * untagging it as the port wants; false if the port is not in the VLAN.
   */
  private transmit(out: SwitchPort, vlan: number, tag: number, b: Uint8Array, offset: number, length: number): boolean {
    const how = out.vlan.egress(vlan);
    if (how < 0 || (this.stp && !this.stp.forwards(out.number))) return false;
    let bytes = b;
    let at = offset;
    let len = length;
    if (how === 1 && tag >= 0 && tag !== vlan) {
      // Tagged in and out, but with another VID (a priority tag): rewrite the VID, keep the priority.
      const s = this.scratch;
      s.set(b.subarray(offset, offset + length), 0);
      setU16(s, 14, (u16(s, 14) & 0xf000) | vlan);
      bytes = s;
      at = 0;
    } else if (how === 1 && tag < 0) {
      // Insert an 802.1Q tag after the MACs.
      const s = this.scratch;
      s.set(b.subarray(offset, offset + 12), 0);
      setU16(s, 12, EtherType.VLAN);
      setU16(s, 14, vlan);
      s.set(b.subarray(offset + 12, offset + length), 16);
      bytes = s;
      at = 0;
      len = length + TAG;
    } else if (how === 0 && tag >= 0) {
      // Remove the tag.
      const s = this.scratch;
      s.set(b.subarray(offset, offset + 12), 0);
      s.set(b.subarray(offset + 16, offset + length), 12);
      bytes = s;
      at = 0;
      len = length - TAG;
    }
    this.send(out, bytes, at, len);
    return true;
  }

  /** Sends a frame out of a port, through the port's appliances. */
  private send(out: SwitchPort, b: Uint8Array, offset: number, length: number): void {
    if (out.appliances.length === 0) {
      this.deliver(out, b, offset, length);
      return;
    }
    let s = out.scratch!;
    if (length > s.length) out.scratch = s = new Uint8Array(length);
    s.set(b.subarray(offset, offset + length));
    const n = this.filter(out, 'out', s, 0, length);
    if (n >= 0) this.deliver(out, s, 0, n);
  }

  /** Hands a frame to the port's NIC. */
  private deliver(out: SwitchPort, b: Uint8Array, offset: number, length: number): void {
    out.counters.txFrames++;
    out.counters.txBytes += length;
    out.port.send(b, offset, length);
    for (const m of this.mirrors) if (m.selectsSent(out.number)) this.mirror(m, b, offset, length);
  }

  /** Sends a mirror's copy: as it is to the SPAN port, or into the RSPAN VLAN's ports, tagged as each wants. */
  private mirror(m: Mirror, b: Uint8Array, offset: number, length: number): void {
    const o = m.spec.output;
    if ('port' in o) {
      const p = this.ports.get(o.port);
      if (!p?.up) return;
      p.port.send(b, offset, length);
    } else {
      // The copy travels in the RSPAN VLAN: the ports carrying it get it (not as a mirror of itself).
      const saved = this.mirrors;
      this.mirrors = [];
      for (const p of this.portList) if (p.up) this.transmit(p, o.vlan, -1, b, offset, length);
      this.mirrors = saved;
    }
    m.stats.frames++;
    m.stats.bytes += length;
  }
}

/** The VLAN a member's beacon goes out in: its access VLAN, or the trunk's native or first VLAN. */
function beaconVlan(v: PortVlan): number {
  if (v.mode === 'access') return v.vlan;
  return v.native ?? (v.allowed === 'all' ? 1 : v.allowed[0]);
}

function drop(c: SwitchPortCounters, reason: string): void {
  c.drops[reason] = (c.drops[reason] ?? 0) + 1;
}

function policyOf(s: PortSecurity): Required<SecurityPolicy> {
  return { promiscuous: s.promiscuous, macChanges: s.macChanges, forgedTransmits: s.forgedTransmits };
}
