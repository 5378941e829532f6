/** A switch: the learning switch of @vnet/vswitch over the node's link ends. */

import { formatMac, parseMac } from '@vnet/frame';
import type { LinkEnd } from '@vnet/link';
import { LearningSwitch, type PortVlan } from '@vnet/vswitch';
import { TopologyError } from '../errors.js';
import type { PlannedSwitch } from '../plan.js';
import type { Poller } from './poller.js';
import type { NodeInfo } from './protocol.js';

export class SwitchNode {
  readonly sw: LearningSwitch;

  constructor(
    readonly plan: PlannedSwitch,
    ends: Map<string, LinkEnd>,
    poller: Poller,
  ) {
    this.sw = new LearningSwitch({ name: plan.name, agingTime: plan.agingTime });
    for (const intf of plan.intfs) {
      const port = ends.get(intf.name);
      if (!port) throw new TopologyError('bad-state', `${plan.name}: no link end for ${intf.name}`);
      this.sw.addPort(port, intf.port, {
        vlan: intf.vlan,
        ...(intf.mac === undefined ? {} : { mac: parseMac(intf.mac), security: intf.security }),
      });
    }
    poller.add(this.sw);
  }

  info(): NodeInfo {
    return { name: this.plan.name, kind: 'switch', intfs: this.plan.intfs.map((i) => ({ name: i.name, up: true })) };
  }

  /** Commands a switch answers: its MAC table and counters (more come with the full vSwitch). */
  async run(line: string, write: (text: string) => void): Promise<void> {
    write(this.answer(line));
  }

  private answer(line: string): string {
    const [cmd] = line.trim().split(/\s+/);
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
      const rows = this.sw.portInfo().map((p) => `  port ${p.number}: ${p.name}${p.up ? '' : ' (down)'}, ${vlanText(p.vlan)}\n`);
      const teams = this.sw
        .teamStats()
        .map((t) => `  team ${t.name}: members in use ${t.inUse.join(',') || 'none'}, ${t.failovers} failovers\n`);
      const mirrors = this.sw.mirrorStats().map((m) => `  mirror ${m.name}: ${m.frames} frames copied\n`);
      return `${this.plan.name}: learning switch, ${this.sw.fdb().length} MACs\n${rows.join('')}${teams.join('')}${mirrors.join('')}`;
    }
    if (cmd === 'stats') {
      return this.plan.intfs
        .map((i) => {
          const c = this.sw.portCounters(i.port)!;
          const drops = Object.entries(c.drops)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ');
          return `  port ${i.port} (${i.name}): rx pkts=${c.rxFrames} bytes=${c.rxBytes}, tx pkts=${c.txFrames} bytes=${c.txBytes}, flooded=${c.flooded}${drops ? `, drops ${drops}` : ''}\n`;
        })
        .join('');
    }
    return `${cmd ?? ''}: a switch answers show, fdb and stats\n`;
  }

  close(): void {}
}
