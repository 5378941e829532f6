/**
 * Port mirroring, as switches offer it: SPAN copies the frames entering and/or leaving chosen
 * ports to a mirror port, where an analyser (a capture, an IDS appliance) sees them; RSPAN
 * sends the copies into a VLAN instead, so they reach an analyser on another switch.
 */

export interface MirrorSpec {
  name: string;
  /** Ports whose received frames are mirrored (OVS's select_src_port). */
  srcPorts?: number[];
  /** Ports whose sent frames are mirrored (OVS's select_dst_port). */
  dstPorts?: number[];
  /** Where the copies go: a port (SPAN) or a VLAN (RSPAN). */
  output: { port: number } | { vlan: number };
}

export interface MirrorStats {
  name: string;
  /** Copies made. */
  frames: number;
  bytes: number;
}

/** A mirror as the switch checks it per frame: membership in typed arrays, indexed by port number. */
export class Mirror {
  readonly spec: MirrorSpec;
  readonly stats: MirrorStats;
  private readonly src: Uint8Array;
  private readonly dst: Uint8Array;

  constructor(spec: MirrorSpec, maxPort: number) {
    this.spec = spec;
    this.stats = { name: spec.name, frames: 0, bytes: 0 };
    this.src = new Uint8Array(maxPort + 1);
    this.dst = new Uint8Array(maxPort + 1);
    for (const p of spec.srcPorts ?? []) this.src[p] = 1;
    for (const p of spec.dstPorts ?? []) this.dst[p] = 1;
  }

  selectsReceived(port: number): boolean {
    return this.src[port] === 1;
  }

  selectsSent(port: number): boolean {
    return this.dst[port] === 1;
  }
}
