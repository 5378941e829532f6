/**
 * The vNetwork Appliance API of the VMware lecture (dvfilter): a filter sitting between a
 * port's NIC and the switch, which sees every frame crossing the port and may pass it, alter
 * it in place, drop it or punt it to a slow-path agent; the agent decides at leisure and may
 * inject frames in either direction. A firewall, an IDS or a load balancer needs no change in
 * the VMs it protects.
 *
 * The fast path is a plain function called per frame with the bytes where they lie: no copy
 * in, no allocation; only a punted frame is copied, for the agent to keep.
 */

/** `in`: from the port's NIC into the switch; `out`: from the switch to the NIC. */
export type ApplianceDirection = 'in' | 'out';

/** What `filter` returns besides a length: the frame goes no further, or goes to the slow path. */
export const ApplianceVerdict = {
  Drop: -1,
  Punt: -2,
} as const;

/** What the slow path may do: send frames on as if they had crossed the port. */
export interface ApplianceAgent {
  /** `in`: the switch receives `frame` from the port; `out`: the port's NIC receives it. */
  inject(direction: ApplianceDirection, frame: Uint8Array): void;
}

export interface Appliance {
  readonly name: string;
  /**
   * The fast path, for every frame crossing an attached port: the frame's length to pass it
   * on (the same, or shorter after altering it in place), or an ApplianceVerdict. It must not
   * keep `bytes`, which is reused once it returns.
   */
  filter(bytes: Uint8Array, offset: number, length: number, direction: ApplianceDirection, port: number): number;
  /** The slow-path agent, called later with a copy of each punted frame; without one, punted frames are dropped. */
  slowPath?(frame: Uint8Array, direction: ApplianceDirection, port: number, agent: ApplianceAgent): void | Promise<void>;
}

/** Where an appliance sits: ports by number, and/or every port of a port group (its VLAN ID). */
export interface ApplianceAttachment {
  ports?: readonly number[];
  portGroupVlan?: number;
}

export interface ApplianceStats {
  name: string;
  ports: number[];
  /** Frames the fast path passed on. */
  passed: number;
  dropped: number;
  punted: number;
  /** Frames the slow path injected. */
  injected: number;
  /** Slow-path calls that threw or rejected (their frames are lost, and counted here). */
  errors: number;
}

/** An appliance as the switch keeps it: its selector and its counters. */
export class AttachedAppliance {
  readonly stats: ApplianceStats;

  constructor(
    readonly appliance: Appliance,
    readonly at: ApplianceAttachment,
    /** How the switch takes a frame the slow path injects on `port`. */
    private readonly inject: (port: number, direction: ApplianceDirection, frame: Uint8Array) => void,
  ) {
    this.stats = { name: appliance.name, ports: [], passed: 0, dropped: 0, punted: 0, injected: 0, errors: 0 };
  }

  /** Whether the appliance sits on port `number`, whose access VLAN is `vlan` (-1 for a trunk). */
  covers(number: number, vlan: number): boolean {
    return (this.at.ports?.includes(number) ?? false) || (this.at.portGroupVlan !== undefined && this.at.portGroupVlan === vlan);
  }

  /**
   * Runs the fast path: the length to go on with, or ApplianceVerdict.Drop or .Punt when the
   * frame goes no further. Punted frames are copied and handed to the slow path once the
   * current frame is done.
   */
  filter(b: Uint8Array, offset: number, length: number, direction: ApplianceDirection, port: number): number {
    const s = this.stats;
    const verdict = this.appliance.filter(b, offset, length, direction, port);
    if (verdict >= 0 && verdict <= length) {
      s.passed++;
      return verdict;
    }
    if (verdict === ApplianceVerdict.Punt && this.appliance.slowPath) {
      s.punted++;
      const frame = b.slice(offset, offset + length);
      queueMicrotask(() => this.slowPath(frame, direction, port));
      return ApplianceVerdict.Punt;
    }
    s.dropped++;
    return ApplianceVerdict.Drop;
  }

  private async slowPath(frame: Uint8Array, direction: ApplianceDirection, port: number): Promise<void> {
    const agent: ApplianceAgent = {
      inject: (d, f) => {
        this.stats.injected++;
        this.inject(port, d, f);
      },
    };
    try {
      await this.appliance.slowPath!(frame, direction, port, agent);
    } catch {
      this.stats.errors++;
    }
  }
}
