/**
 * NIC teaming, vSphere's way: several uplink ports act as one. Each frame leaves by one member,
 * chosen by the load-balancing policy among the active members that are up; when none is, the
 * standby members take over in their order. Frames arriving on any member count as arriving
 * on the team, so the MAC table never flaps between members and floods never go back out.
 *
 * Policies: route based on the originating port (the default: a VM's port sticks to one
 * uplink), on a hash of the source MAC, on a hash of the IP source and destination, or explicit
 * failover order (the first active member that is up carries everything). Failure is detected
 * by link state, and optionally by beacon probing: every second each member broadcasts a beacon,
 * and a member that has heard none of the others' for three seconds is taken out even with its
 * link up (an upstream failure). When no member hears any (two members, one cut off: which one
 * is at fault cannot be told), none is taken out. After a failover the switch "notifies
 * switches" by sending a RARP for each MAC behind it out of its new uplink, so physical
 * switches learn the new path at once.
 */
import { EtherType, u16, u32 } from '@vnet/frame';

export type TeamingPolicy = 'port-id' | 'src-mac' | 'ip-hash' | 'failover';

export interface TeamSpec {
  name: string;
  /** Active members, in failover order. */
  active: number[];
  /** Members used only when no active one is up, in order. */
  standby?: number[];
  policy?: TeamingPolicy;
  /** Send RARPs for the MACs behind the switch after a failover (default true). */
  notifySwitches?: boolean;
  /** Return to a recovered active member (default true); else stay on the standby until it fails. */
  failback?: boolean;
  /** vSphere's network failure detection: `link` (link status only, the default) or `beacon` (beacon probing too). */
  failureDetection?: 'link' | 'beacon';
}

/** ESX's beacon EtherType (since 4.1). */
export const BEACON_ETHERTYPE = 0x8922;
/** Beacons leave every this many ms; a member hearing none for BEACON_MISSES intervals is failed. */
export const BEACON_INTERVAL_MS = 1000;
const BEACON_MISSES = 3;

export interface TeamStats {
  name: string;
  /** Members carrying traffic now. */
  inUse: number[];
  failovers: number;
  notifications: number;
  /** Members beacon probing has taken out (link up, but no beacon heard): only with failureDetection `beacon`. */
  beaconFailed?: number[];
}

/** What the team needs to know of a member port. */
export interface TeamMember {
  readonly number: number;
  /** Administratively up and with carrier. */
  isUp(): boolean;
}

export class Team<M extends TeamMember> {
  readonly spec: Required<TeamSpec>;
  /** The port number the MAC table uses for the whole team: its first active member's. */
  readonly id: number;
  readonly stats: TeamStats;
  /** Members chosen from, refreshed when a member goes up or down. */
  private inUse: M[] = [];
  private readonly active: M[];
  private readonly standby: M[];
  /** With beacon probing: when each member (by number) last heard another member's beacon, and when beacons are next due. */
  private readonly heard = new Map<number, number>();
  nextBeacon = Number.POSITIVE_INFINITY;

  constructor(spec: TeamSpec, member: (n: number) => M, now: number) {
    this.spec = { standby: [], policy: 'port-id', notifySwitches: true, failback: true, failureDetection: 'link', ...spec };
    this.active = spec.active.map(member);
    this.standby = this.spec.standby.map(member);
    this.id = spec.active[0];
    this.stats = { name: spec.name, inUse: [], failovers: 0, notifications: 0 };
    if (this.beacons) {
      this.stats.beaconFailed = [];
      for (const m of this.members) this.heard.set(m.number, now);
      this.nextBeacon = now;
    }
    this.refresh(now);
  }

  get beacons(): boolean {
    return this.spec.failureDetection === 'beacon';
  }

  /** A member heard a beacon another member sent. */
  beaconHeard(member: number, now: number): void {
    this.heard.set(member, now);
  }

  /** The members beacon probing takes out at `now`: silent ones, unless every member that is up is silent. */
  private silent(now: number): Set<number> {
    if (!this.beacons) return new Set();
    const up = this.members.filter((m) => m.isUp());
    const silent = up.filter((m) => now - this.heard.get(m.number)! >= BEACON_MISSES * BEACON_INTERVAL_MS);
    return silent.length < up.length ? new Set(silent.map((m) => m.number)) : new Set();
  }

  /**
   * Whether each local port's traffic uses one member (port-id, failover): then floods from the
   * physical network are taken only on that member. With hash policies the physical switch
   * bundles the members (EtherChannel) and sends each frame once.
   */
  get pinsPorts(): boolean {
    return this.spec.policy === 'port-id' || this.spec.policy === 'failover';
  }

  get members(): readonly M[] {
    return [...this.active, ...this.standby];
  }

  /**
   * Recomputes the members in use after a link state change; true when traffic moved (a
   * failover or a failback), so the switch notifies the physical switches.
   */
  refresh(now: number): boolean {
    const silent = this.silent(now);
    if (this.stats.beaconFailed) this.stats.beaconFailed = [...silent];
    const usable = (m: M) => m.isUp() && !silent.has(m.number);
    const upActive = this.active.filter(usable);
    const upStandby = this.standby.filter(usable);
    let next: M[];
    if (this.spec.policy === 'failover') {
      const current = this.inUse[0];
      const stay = !this.spec.failback && current !== undefined && usable(current);
      next = stay ? [current] : [...upActive, ...upStandby].slice(0, 1);
    } else {
      next = upActive.length > 0 ? upActive : upStandby.slice(0, 1);
    }
    const moved = next.length !== this.inUse.length || next.some((m, i) => m !== this.inUse[i]);
    if (moved && this.inUse.length > 0) this.stats.failovers++;
    this.inUse = next;
    this.stats.inUse = next.map((m) => m.number);
    return moved;
  }

  /** The member a frame leaves by, or undefined when the whole team is down. */
  select(ingressPort: number, b: Uint8Array, offset: number, length: number): M | undefined {
    const n = this.inUse.length;
    if (n <= 1) return this.inUse[0];
    switch (this.spec.policy) {
      case 'port-id':
        return this.inUse[ingressPort % n];
      case 'src-mac':
        return this.inUse[(u16(b, offset + 10) ^ b[offset + 9]) % n];
      case 'ip-hash': {
        // The IPv4 source and destination, as vSphere hashes them; other frames by source MAC.
        if (length >= 34 && u16(b, offset + 12) === EtherType.IPv4)
          return this.inUse[((u32(b, offset + 26) ^ u32(b, offset + 30)) >>> 0) % n];
        return this.inUse[(u16(b, offset + 10) ^ b[offset + 9]) % n];
      }
      default:
        return this.inUse[0];
    }
  }
}
