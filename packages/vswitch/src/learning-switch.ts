/**
 * A learning switch: the forwarding behaviour of an 802.1D bridge without spanning tree.
 *
 * What: frames arriving on a port teach the switch where their source MAC lives (per VLAN);
 * frames to a known unicast MAC go out of that one port, all others (broadcast, multicast,
 * unknown unicast) are flooded to every other port in the VLAN.
 *
 * Design: the MAC table maps (VLAN, MAC) to a port and the time the MAC was last seen. Time is
 * passed in through `poll(now)` (STYLE.md §1): entries older than the aging time are treated as
 * unknown on lookup and swept in `poll`. The table has a size limit; when it is full, new
 * MACs are not learned (counted) and their frames are flooded, so a MAC flood cannot grow memory.
 *
 * Why fast: the destination and source MACs are read as 48-bit numbers straight from the frame
 * and the table is a Map keyed by number, so a forwarding decision allocates nothing.
 */
import { EtherType, isMulticastMac, u16, u48 } from '@vnet/frame';
import type { Port, PortStats } from '@vnet/link';

export interface LearningSwitchOptions {
  name: string;
  /** Seconds a learned MAC stays without being seen again (802.1D default 300). */
  agingTime?: number;
  /** MAC table entries at most (default 8192). */
  maxMacs?: number;
}

/** Why the switch itself dropped a frame (link drops are counted by the links). */
export const SwitchDrop = {
  /** The destination lives on the port the frame came from. */
  SamePort: 'same-port',
  /** Shorter than an Ethernet header. */
  Runt: 'runt',
  /** The ingress port is administratively down. */
  PortDown: 'port-down',
} as const;

export interface SwitchPortCounters {
  rxFrames: number;
  rxBytes: number;
  txFrames: number;
  txBytes: number;
  /** Frames this port sent because they were flooded. */
  flooded: number;
  drops: Record<string, number>;
}

export interface FdbEntry {
  vlan: number;
  mac: number;
  port: number;
  /** Seconds since the MAC was last seen. */
  age: number;
  static: boolean;
}

interface Entry {
  port: number;
  seen: number;
  static: boolean;
}

interface SwitchPort {
  number: number;
  port: Port;
  up: boolean;
  counters: SwitchPortCounters;
}

export class LearningSwitch {
  readonly name: string;
  readonly agingTime: number;
  readonly maxMacs: number;
  /** MAC table per VLAN (0 for untagged frames). */
  private readonly tables = new Map<number, Map<number, Entry>>();
  private macCount = 0;
  private readonly ports = new Map<number, SwitchPort>();
  /** Ports in order, for flooding without allocating. */
  private portList: SwitchPort[] = [];
  private now = 0;
  /** New MACs not learned because the table was full. */
  fdbFull = 0;

  constructor(options: LearningSwitchOptions) {
    this.name = options.name;
    this.agingTime = options.agingTime ?? 300;
    this.maxMacs = options.maxMacs ?? 8192;
  }

  /** Attaches a port under a number (OVS's ofport; Mininet's s1-eth1 is port 1). */
  addPort(port: Port, number = this.portList.length + 1): number {
    if (this.ports.has(number)) throw new Error(`${this.name}: port ${number} is already in use`);
    const sp: SwitchPort = {
      number,
      port,
      up: true,
      counters: { rxFrames: 0, rxBytes: 0, txFrames: 0, txBytes: 0, flooded: 0, drops: {} },
    };
    this.ports.set(number, sp);
    this.portList = [...this.ports.values()].sort((a, b) => a.number - b.number);
    port.onFrame = (bytes, offset, length) => this.receive(sp, bytes, offset, length);
    return number;
  }

  removePort(number: number): void {
    const sp = this.ports.get(number);
    if (!sp) return;
    sp.port.onFrame = () => {};
    this.ports.delete(number);
    this.portList = this.portList.filter((p) => p !== sp);
    for (const table of this.tables.values()) {
      for (const [mac, e] of table) {
        if (e.port === number) {
          table.delete(mac);
          this.macCount--;
        }
      }
    }
  }

  /** Administrative state of a port, as `ovs-ofctl mod-port s1 1 down`. */
  setPortUp(number: number, up: boolean): void {
    const sp = this.ports.get(number);
    if (sp) sp.up = up;
  }

  /** Advances the switch's clock (ms) and ages out MACs not seen for `agingTime`. */
  poll(now: number): void {
    this.now = now;
    const limit = now - this.agingTime * 1000;
    for (const table of this.tables.values()) {
      for (const [mac, e] of table) {
        if (!e.static && e.seen < limit) {
          table.delete(mac);
          this.macCount--;
        }
      }
    }
  }

  /** When `poll` should next run: often enough to age MACs within a second of their time. */
  pollAt(): number {
    return this.now + 1000;
  }

  addStatic(mac: number, port: number, vlan = 0): void {
    const table = this.table(vlan);
    if (!table.has(mac)) this.macCount++;
    table.set(mac, { port, seen: this.now, static: true });
  }

  fdb(): FdbEntry[] {
    const out: FdbEntry[] = [];
    for (const [vlan, table] of this.tables) {
      for (const [mac, e] of table) {
        out.push({ vlan, mac, port: e.port, age: Math.max(0, Math.floor((this.now - e.seen) / 1000)), static: e.static });
      }
    }
    return out.sort((a, b) => a.port - b.port || a.vlan - b.vlan || a.mac - b.mac);
  }

  portCounters(number: number): SwitchPortCounters | undefined {
    return this.ports.get(number)?.counters;
  }

  portNumbers(): number[] {
    return this.portList.map((p) => p.number);
  }

  /** The link-level statistics of a port's link end. */
  linkStats(number: number): PortStats | undefined {
    return this.ports.get(number)?.port.stats;
  }

  private table(vlan: number): Map<number, Entry> {
    let t = this.tables.get(vlan);
    if (!t) {
      t = new Map();
      this.tables.set(vlan, t);
    }
    return t;
  }

  private receive(sp: SwitchPort, b: Uint8Array, offset: number, length: number): void {
    const c = sp.counters;
    c.rxFrames++;
    c.rxBytes += length;
    if (length < 14) {
      drop(c, SwitchDrop.Runt);
      return;
    }
    if (!sp.up) {
      drop(c, SwitchDrop.PortDown);
      return;
    }
    const dst = u48(b, offset);
    const src = u48(b, offset + 6);
    // The VLAN of an 802.1Q-tagged frame; 0 for untagged (and priority-tagged) frames.
    const vlan = length >= 18 && u16(b, offset + 12) === EtherType.VLAN ? u16(b, offset + 14) & 0x0fff : 0;
    const table = this.table(vlan);
    if (!isMulticastMac(src)) this.learn(table, src, sp.number);
    if (!isMulticastMac(dst)) {
      const e = table.get(dst);
      if (e && (e.static || this.now - e.seen <= this.agingTime * 1000)) {
        if (e.port === sp.number) {
          drop(c, SwitchDrop.SamePort);
          return;
        }
        const out = this.ports.get(e.port);
        if (out?.up) {
          this.transmit(out, b, offset, length);
          return;
        }
      }
    }
    for (const out of this.portList) {
      if (out !== sp && out.up) {
        out.counters.flooded++;
        this.transmit(out, b, offset, length);
      }
    }
  }

  private learn(table: Map<number, Entry>, mac: number, port: number): void {
    const e = table.get(mac);
    if (e) {
      if (e.static) return;
      e.port = port;
      e.seen = this.now;
      return;
    }
    if (this.macCount >= this.maxMacs) {
      this.fdbFull++;
      return;
    }
    table.set(mac, { port, seen: this.now, static: false });
    this.macCount++;
  }

  private transmit(out: SwitchPort, b: Uint8Array, offset: number, length: number): void {
    out.counters.txFrames++;
    out.counters.txBytes += length;
    out.port.send(b, offset, length);
  }
}

function drop(c: SwitchPortCounters, reason: string): void {
  c.drops[reason] = (c.drops[reason] ?? 0) + 1;
}
