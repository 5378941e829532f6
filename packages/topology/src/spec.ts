/**
 * A topology as plain, serialisable data: what the DSL builds, what is posted to workers,
 * saved by the playground and exported as a script. Names follow Mininet: hosts h1…, switches
 * s1…, interfaces `h1-eth0`, `s1-eth1`.
 */
import type { PortVlan, SecurityPolicy, StpProtocol } from '@vnet/vswitch';

export interface HostSpec {
  kind: 'host';
  name: string;
  /** `10.0.0.1/8`; assigned from the network's IP base when left out. */
  ip?: string;
  /** `00:00:00:00:00:01`; random (locally administered) when left out, unless --mac. */
  mac?: string;
  /** The gateway of the default route: `10.0.0.254` (or Mininet's `via 10.0.0.254`), or `dev h1-eth0`. */
  defaultRoute?: string;
  /**
   * Forward IPv4 between its interfaces from the start (`net.ipv4.ip_forward=1`), as Mininet's
   * LinuxRouter example: give each interface its address with the links' `ipA`/`ipB`.
   */
  router?: boolean;
}

export interface SwitchSpec {
  kind: 'switch';
  name: string;
  /** Seconds a learned MAC is kept. */
  agingTime?: number;
  /**
   * Runs spanning tree, which a topology with loops needs: `'rstp'` (802.1w, converges in
   * milliseconds) or `'stp'` (802.1D, 30 s of listening and learning); `true` is `'stp'`, as
   * Mininet's `stp=True`.
   */
  stp?: boolean | StpProtocol;
  /** The bridge priority, the high part of the bridge ID: the lowest becomes root (default 32768). */
  stpPriority?: number;
}

export type NodeSpec = HostSpec | SwitchSpec;

/** Impairments of a link, in Mininet's units where Mininet has the option (TCLink). */
export interface LinkOptions {
  /** Bandwidth in Mbit/s, as Mininet's `bw` (fractions allowed: 0.001 is 1 kbit/s). */
  bw?: number;
  /**
   * vSphere's traffic shaping on top of `bw` (its average bandwidth): a burst of up to this many
   * KB leaves at once (or at `peak`) before the average applies again.
   */
  burst?: number;
  /** With `burst`: the peak bandwidth in Mbit/s at which a burst leaves. */
  peak?: number;
  /** One-way delay: `'5ms'`, `'250us'`, `'1s'` or milliseconds as a number. */
  delay?: string | number;
  jitter?: string | number;
  /** Jitter distribution (netem's default is uniform). */
  jitterDistribution?: 'uniform' | 'normal';
  /** Loss in percent. */
  loss?: number;
  /** Correlation of successive losses, in percent. */
  lossCorrelation?: number;
  /** Percent of frames with one bit flipped. */
  corrupt?: number;
  /** Percent of frames sent twice. */
  duplicate?: number;
  /** Percent of frames held back and sent after the next one. */
  reorder?: number;
  /** Frames that may wait for the bandwidth limit before tail drop (Mininet's max_queue_size). */
  maxQueueSize?: number;
  /** Bytes that may wait, as an alternative limit. */
  maxQueueBytes?: number;
  /** Impairments of what the first node sends only (a → b), over the options above. */
  ab?: DirectionOptions;
  /** Impairments of what the second node sends only (b → a). */
  ba?: DirectionOptions;
}

/** The impairments of one direction of a link. */
export type DirectionOptions = Omit<LinkOptions, 'ab' | 'ba'>;

export interface LinkSpec {
  a: string;
  b: string;
  /**
   * The VLAN of the switch ports this link plugs into: a vSphere port-group VLAN ID (0 none,
   * 1–4094 access, 4095 trunk of all) or an access/trunk setting. Untagged by default.
   */
  vlan?: number | PortVlan;
  /** vSphere's security policy of a switch port facing a host (promiscuous, MAC changes, forged transmits). */
  security?: SecurityPolicy;
  /** Interface names; `a-ethN` by default. */
  intfA?: string;
  intfB?: string;
  /** Port numbers: N in `a-ethN`. */
  portA?: number;
  portB?: number;
  /**
   * The address of the interface at end a (b), `10.0.1.1/24`, as Mininet's `params1={'ip': …}`;
   * for host ends only. A host's first interface otherwise gets the host's `ip`; others none.
   */
  ipA?: string;
  ipB?: string;
  options?: LinkOptions;
}

export interface TopoSpec {
  nodes: NodeSpec[];
  links: LinkSpec[];
}
