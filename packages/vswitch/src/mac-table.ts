/**
 * The MAC table: where each (VLAN, MAC) was last seen, for how long it stays, and how big it
 * may grow.
 *
 * Design: one Map per VLAN keyed by the MAC as a 48-bit number (no strings, no allocation on a
 * lookup). Maps keep insertion order, and a MAC seen again is moved to the end at most once a
 * second, so the first entries of a VLAN's map are its least recently seen: when the table is
 * full, learning a new MAC evicts the oldest one of its VLAN (counted), as a switch under a MAC
 * flood must keep learning the hosts that are really there. Time comes from `age(now)` calls.
 */

export interface MacEntry {
  port: number;
  /** When the MAC was last seen (ms); static entries never age. */
  seen: number;
  static: boolean;
}

export interface FdbEntry {
  vlan: number;
  mac: number;
  port: number;
  /** Seconds since the MAC was last seen. */
  age: number;
  static: boolean;
}

/** Seen again within this long, an entry keeps its place in the eviction order. */
const REFRESH_MS = 1000;

export class MacTable {
  private readonly vlans = new Map<number, Map<number, MacEntry>>();
  private count = 0;
  private now = 0;
  /** Entries evicted to make room for new MACs. */
  evictions = 0;

  constructor(
    /** Milliseconds a learned MAC stays without being seen again. */
    readonly agingMs: number,
    readonly limit: number,
  ) {}

  get size(): number {
    return this.count;
  }

  /** The port of a MAC in a VLAN, or -1 when unknown or aged out. */
  lookup(vlan: number, mac: number): number {
    const e = this.vlans.get(vlan)?.get(mac);
    if (e === undefined || (!e.static && this.now - e.seen > this.agingMs)) return -1;
    return e.port;
  }

  /** Records that `mac` was seen on `port` in `vlan`. */
  learn(vlan: number, mac: number, port: number): void {
    let table = this.vlans.get(vlan);
    if (table === undefined) {
      table = new Map();
      this.vlans.set(vlan, table);
    }
    const e = table.get(mac);
    if (e !== undefined) {
      if (e.static) return;
      e.port = port;
      if (this.now - e.seen >= REFRESH_MS) {
        // Move to the end: the eviction order is the order of last sighting.
        table.delete(mac);
        table.set(mac, e);
      }
      e.seen = this.now;
      return;
    }
    if (this.count >= this.limit && !this.evictFrom(table)) return;
    table.set(mac, { port, seen: this.now, static: false });
    this.count++;
  }

  addStatic(vlan: number, mac: number, port: number): void {
    let table = this.vlans.get(vlan);
    if (table === undefined) {
      table = new Map();
      this.vlans.set(vlan, table);
    }
    if (!table.has(mac)) this.count++;
    table.set(mac, { port, seen: this.now, static: true });
  }

  /** Forgets every MAC learned on `port` (the port went away or down). */
  flushPort(port: number): void {
    for (const table of this.vlans.values()) {
      for (const [mac, e] of table) {
        if (e.port === port) {
          table.delete(mac);
          this.count--;
        }
      }
    }
  }

  /** Advances the table's clock and removes what aged out. */
  age(now: number): void {
    this.now = now;
    for (const table of this.vlans.values()) {
      for (const [mac, e] of table) {
        if (!e.static && now - e.seen > this.agingMs) {
          table.delete(mac);
          this.count--;
        }
      }
    }
  }

  entries(): FdbEntry[] {
    const out: FdbEntry[] = [];
    for (const [vlan, table] of this.vlans) {
      for (const [mac, e] of table) {
        out.push({ vlan, mac, port: e.port, age: Math.max(0, Math.floor((this.now - e.seen) / 1000)), static: e.static });
      }
    }
    return out.sort((a, b) => a.port - b.port || a.vlan - b.vlan || a.mac - b.mac);
  }

  /** Evicts the least recently seen dynamic entry, preferably of `table`; false when all are static. */
  private evictFrom(table: Map<number, MacEntry>): boolean {
    for (const candidates of [table, ...this.vlans.values()]) {
      for (const [mac, e] of candidates) {
        if (e.static) continue;
        candidates.delete(mac);
        this.count--;
        this.evictions++;
        return true;
      }
    }
    return false;
  }
}
