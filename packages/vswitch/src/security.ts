/**
 * vSphere's security policy of a port, for ports with a known NIC behind them (a VM's vNIC,
 * a host's interface). The switch knows the MAC the NIC was given (its initial MAC) and the
 * MAC the guest has configured (its effective MAC), as the hypervisor does; whoever changes
 * the guest's MAC tells the switch (`setEffectiveMac`).
 *
 * - Promiscuous mode, reject (the default): the port receives only frames to its effective MAC,
 *   and broadcast and multicast. Accept: it also gets a copy of every frame of its VLAN.
 * - MAC address changes, reject: while the effective MAC differs from the initial one, the port
 *   receives nothing. Accept (the default): it receives as the effective MAC.
 * - Forged transmits, reject: frames whose source is not the effective MAC are dropped. Accept
 *   (the default): they pass.
 * Ports without a known MAC (uplinks, trunks to other switches) have no policy.
 */

export interface SecurityPolicy {
  promiscuous?: boolean;
  macChanges?: boolean;
  forgedTransmits?: boolean;
}

export const SecurityDrop = {
  /** Sent with a source MAC other than the port's effective MAC (forged transmits reject). */
  ForgedTransmit: 'forged-transmit',
  /** To a port whose guest changed its MAC while MAC address changes are rejected. */
  MacChanged: 'mac-change-rejected',
} as const;

/** The per-port state the switch checks per frame. */
export class PortSecurity {
  readonly promiscuous: boolean;
  readonly macChanges: boolean;
  readonly forgedTransmits: boolean;
  /** The MAC the NIC was given. */
  readonly initialMac: number;
  /** The MAC the guest uses now. */
  effectiveMac: number;

  constructor(initialMac: number, policy: SecurityPolicy = {}) {
    this.initialMac = initialMac;
    this.effectiveMac = initialMac;
    this.promiscuous = policy.promiscuous ?? false;
    this.macChanges = policy.macChanges ?? true;
    this.forgedTransmits = policy.forgedTransmits ?? true;
  }

  /** Whether a frame from the guest with source `src` may enter the switch. */
  admits(src: number): boolean {
    return this.forgedTransmits || src === this.effectiveMac;
  }

  /** False while a MAC change is rejected: the port then receives nothing. */
  get receiving(): boolean {
    return this.macChanges || this.effectiveMac === this.initialMac;
  }

  /** Whether a frame to `dst` reaches the guest (`multicast`: broadcast or multicast). */
  delivers(dst: number, multicast: boolean): boolean {
    return this.receiving && (multicast || this.promiscuous || dst === this.effectiveMac);
  }
}
