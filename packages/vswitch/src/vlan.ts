/**
 * VLAN membership of switch ports, in 802.1Q's terms and vSphere's.
 *
 * An access port belongs to one VLAN: frames arrive and leave untagged, and a tagged frame
 * arriving on it is dropped (that is what stops VLAN hopping with double tags). A trunk port
 * carries its allowed VLANs tagged, and its native VLAN untagged. vSphere's port groups name
 * the same by a VLAN ID: 0 is no VLAN (untagged), 1–4094 an access VLAN the switch tags and
 * untags, 4095 a trunk of every VLAN (the guest tags: VGT).
 */
import { SwitchError } from './errors.js';

export type PortVlan =
  | { mode: 'access'; vlan: number }
  | {
      mode: 'trunk';
      /** VLANs carried tagged; 'all' for every VLAN 1–4094. */
      allowed: readonly number[] | 'all';
      /** The VLAN of untagged frames; without one, untagged frames are dropped. */
      native?: number;
    };

/** Untagged, VLAN 0: a plain learning switch port. */
export const UNTAGGED: PortVlan = { mode: 'access', vlan: 0 };

/** vSphere's port-group VLAN ID: 0 none, 1–4094 access, 4095 trunk of all (guest tagging). */
export function portGroupVlan(id: number): PortVlan {
  if (!Number.isInteger(id) || id < 0 || id > 4095) {
    throw new SwitchError('bad-option', `a port group VLAN ID is 0 (none), 1-4094, or 4095 (all, guest tagging); not ${id}`);
  }
  if (id === 4095) return { mode: 'trunk', allowed: 'all' };
  return { mode: 'access', vlan: id };
}

/** Why a port refused a frame because of its VLAN. */
export const VlanDrop = {
  /** A tagged frame on an access port (double-tagging attacks end here). */
  TaggedOnAccess: 'vlan-tagged-on-access',
  /** A tag the trunk does not carry. */
  NotAllowed: 'vlan-not-allowed',
  /** An untagged frame on a trunk without a native VLAN. */
  UntaggedOnTrunk: 'vlan-untagged-on-trunk',
} as const;

/** The fast form of a port's VLAN setting, checked per frame. */
export class VlanMembership {
  readonly config: PortVlan;
  private readonly allowed: Uint8Array | undefined;

  constructor(config: PortVlan) {
    if (config?.mode !== 'access' && config?.mode !== 'trunk') {
      throw new SwitchError(
        'bad-option',
        `a port's vlan is { mode: 'access', vlan } or { mode: 'trunk', allowed, native? } (portGroupVlan(N) makes one from a port group's VLAN), not ${JSON.stringify(config)}`,
      );
    }
    if (config.mode === 'access') {
      checkVid(config.vlan, 0);
      this.allowed = undefined;
    } else {
      if (config.native !== undefined) checkVid(config.native, 1);
      if (config.allowed !== 'all') {
        this.allowed = new Uint8Array(4096);
        for (const v of config.allowed) {
          checkVid(v, 1);
          this.allowed[v] = 1;
        }
      }
    }
    this.config = config;
  }

  /** The VLAN an arriving frame belongs to (`tag` is its VID, or -1 untagged), or a VlanDrop reason. */
  classify(tag: number): number | string {
    const c = this.config;
    if (c.mode === 'access') return tag < 0 ? c.vlan : VlanDrop.TaggedOnAccess;
    if (tag < 0) return c.native ?? VlanDrop.UntaggedOnTrunk;
    return this.carries(tag) ? tag : VlanDrop.NotAllowed;
  }

  /** How a frame of `vlan` leaves: -1 not at all (not a member), 0 untagged, 1 tagged. */
  egress(vlan: number): number {
    const c = this.config;
    if (c.mode === 'access') return vlan === c.vlan ? 0 : -1;
    if (vlan === c.native) return 0;
    return this.carries(vlan) ? 1 : -1;
  }

  private carries(vlan: number): boolean {
    return vlan >= 1 && vlan <= 4094 && (this.allowed === undefined || this.allowed[vlan] === 1);
  }
}

function checkVid(v: number, min: number): void {
  if (!Number.isInteger(v) || v < min || v > 4094) throw new SwitchError('bad-option', `VLAN ${v} is outside ${min}-4094`);
}
