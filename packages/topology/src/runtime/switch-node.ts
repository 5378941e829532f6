/** A switch: the learning switch of @vnet/vswitch over the node's link ends. */

import { formatBridgeId, formatMac, parseMac } from '@vnet/frame';
import type { LinkEnd } from '@vnet/link';
import { LearningSwitch, type PortVlan, type SwitchPortInfo } from '@vnet/vswitch';
import { TopologyError } from '../errors.js';
import type { PlannedSwitch } from '../plan.js';
import { FLOW_COMMANDS, flowCommand, flowStatsText } from './flow-commands.js';
import type { Poller } from './poller.js';
import type { NodeInfo } from './protocol.js';

/** A port's vSphere security policy as the vSphere client lists it. */
function securityText(s: NonNullable<SwitchPortInfo['security']>): string {
  const verdict = (accept: boolean) => (accept ? 'accept' : 'reject');
  return `nic ${formatMac(s.initialMac)}${s.effectiveMac === s.initialMac ? '' : ` (now ${formatMac(s.effectiveMac)})`}, promiscuous ${verdict(s.promiscuous)}, mac changes ${verdict(s.macChanges)}, forged transmits ${verdict(s.forgedTransmits)}`;
}

export class SwitchNode {
  readonly sw: LearningSwitch;

  constructor(
    readonly plan: PlannedSwitch,
    ends: Map<string, LinkEnd>,
    poller: Poller,
  ) {
    const stp = plan.stp && { ...plan.stp, bridgeMac: parseMac(plan.stp.bridgeMac) };
    this.sw = new LearningSwitch({ name: plan.name, agingTime: plan.agingTime, stp, now: poller.now() });
    for (const intf of plan.intfs) {
      const port = ends.get(intf.name);
      if (!port) throw new TopologyError('bad-state', `${plan.name}: no link end for ${intf.name}`);
      // A port facing a host (its NIC's MAC known) is an edge port: no bridge behind it, it forwards at once.
      this.sw.addPort(port, intf.port, {
        vlan: intf.vlan,
        ...(intf.mac === undefined ? {} : { mac: parseMac(intf.mac), security: intf.security, stp: { edge: true } }),
      });
    }
    poller.add(this.sw);
  }

  info(): NodeInfo {
    const info: NodeInfo = { name: this.plan.name, kind: 'switch', intfs: this.plan.intfs.map((i) => ({ name: i.name, up: true })) };
    const stp = this.sw.stp;
    if (stp) {
      // Settled: every port forwards, or has a role that never will (alternate, backup, disabled).
      const converged = stp
        .portNumbers()
        .every((n) => stp.portState(n) === 'forwarding' || ['alternate', 'backup', 'disabled'].includes(stp.portRole(n)));
      info.stp = { protocol: stp.protocol, bridge: formatBridgeId(stp.bridgeId), root: formatBridgeId(stp.rootId), converged };
    }
    return info;
  }

  /** Commands a switch answers: its ports, MAC table, counters, spanning tree and flow tables. */
  async run(line: string, write: (text: string) => void): Promise<void> {
    write(this.answer(line));
  }

  private answer(line: string): string {
    const text = line.trim();
    const [cmd] = text.split(/\s+/);
    const flows = flowCommand(this.sw.flows, this.plan.name, cmd, text.slice(cmd.length));
    if (flows !== undefined) return flows;
    if (cmd === 'fdb') {
      const rows = this.sw
        .fdb()
        .map((e) => ` ${String(e.port).padStart(4)}  ${String(e.vlan).padStart(4)}  ${formatMac(e.mac)}  ${String(e.age).padStart(4)}`);
      return ` port  VLAN  MAC                Age\n${rows.join('\n')}${rows.length ? '\n' : ''}`;
    }
    if (cmd === 'show') {
      const vlanText = (v: PortVlan) =>
        v.mode === 'access'
          ? v.vlan === 0
            ? 'untagged'
            : `access vlan ${v.vlan}`
          : `trunk ${v.allowed === 'all' ? 'all' : v.allowed.join(',')}${v.native ? ` native ${v.native}` : ''}`;
      const rows = this.sw
        .portInfo()
        .map(
          (p) =>
            `  port ${p.number}: ${p.name}${p.up ? '' : ' (down)'}, ${vlanText(p.vlan)}${p.stp ? `, ${p.stp.role} ${p.stp.state}` : ''}${p.security ? `, ${securityText(p.security)}` : ''}\n`,
        );
      const teams = this.sw
        .teamStats()
        .map(
          (t) =>
            `  team ${t.name}: members in use ${t.inUse.join(',') || 'none'}, ${t.failovers} failovers${t.beaconFailed?.length ? `, no beacons on ${t.beaconFailed.join(',')}` : ''}\n`,
        );
      const mirrors = this.sw.mirrorStats().map((m) => `  mirror ${m.name}: ${m.frames} frames copied\n`);
      const appliances = this.sw
        .applianceStats()
        .map(
          (a) =>
            `  appliance ${a.name} on ports ${a.ports.join(',') || 'none'}: passed ${a.passed}, dropped ${a.dropped}, punted ${a.punted}, injected ${a.injected}\n`,
        );
      const stp = this.sw.stp ? `, ${this.sw.stp.protocol}` : '';
      return `${this.plan.name}: learning switch${stp}, ${this.sw.fdb().length} MACs\n${rows.join('')}${teams.join('')}${mirrors.join('')}${appliances.join('')}`;
    }
    if (cmd === 'stp') return this.stpText();
    if (cmd === 'stats') {
      const ports = this.plan.intfs
        .map((i) => {
          const c = this.sw.portCounters(i.port)!;
          const drops = Object.entries(c.drops)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ');
          return `  port ${i.port} (${i.name}): rx pkts=${c.rxFrames} bytes=${c.rxBytes}, tx pkts=${c.txFrames} bytes=${c.txBytes}, flooded=${c.flooded}${drops ? `, drops ${drops}` : ''}\n`;
        })
        .join('');
      return ports + flowStatsText(this.sw.flows);
    }
    return `${cmd}: a switch answers show, fdb, stats, stp and ${FLOW_COMMANDS.join(', ')}\n`;
  }

  /** The spanning tree as `ovs-appctl stp/show` prints it: this bridge, the root, and every port. */
  private stpText(): string {
    const stp = this.sw.stp;
    if (!stp) return `${this.plan.name} does not run spanning tree (give it stp: 'rstp', or --switch learning,rstp=1)\n`;
    const root = stp.isRoot ? 'this bridge is the root' : `root port ${stp.rootPort}, root path cost ${stp.rootPathCost}`;
    const head = [
      `${this.plan.name}: ${stp.protocol === 'rstp' ? 'RSTP (802.1w)' : 'STP (802.1D)'}${stp.topologyChange ? ', topology change' : ''}`,
      `  bridge ID  ${formatBridgeId(stp.bridgeId)}`,
      `  root ID    ${formatBridgeId(stp.rootId)} (${root})`,
      '  port  interface        role        state       cost       edge',
    ];
    const names = new Map(this.plan.intfs.map((i) => [i.port, i.name]));
    const rows = stp.portNumbers().map((n) => {
      const p = stp.portInfo(n);
      return `  ${String(n).padStart(4)}  ${(names.get(n) ?? '').padEnd(15)}  ${p.role.padEnd(10)}  ${p.state.padEnd(10)}  ${String(p.pathCost).padEnd(9)}  ${p.edge ? 'yes' : 'no'}`;
    });
    return `${[...head, ...rows].join('\n')}\n`;
  }

  close(): void {}
}
