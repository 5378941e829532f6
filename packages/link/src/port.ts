/**
 * The one interface every device speaks: a NIC, a switch port, a VF, a veth end. Ports are
 * connected by links; whether the link is a queue inside one worker or a pair of shared-memory
 * rings between workers, a device cannot tell, so the same device code runs anywhere.
 */

/** Receives a frame: `bytes[offset, offset + length)`, valid only during the call (it may lie in a shared ring). */
export type FrameHandler = (bytes: Uint8Array, offset: number, length: number) => void;

export interface Port {
  readonly name: string;
  /**
   * Offers a frame to the link. The bytes are copied before `send` returns, so the caller may
   * reuse its buffer at once. Returns false when the link dropped the frame; the drop is
   * counted in `stats.drops` under its reason, never lost silently.
   */
  send(bytes: Uint8Array, offset?: number, length?: number): boolean;
  /** Where delivered frames go; set by the device that owns the port. */
  onFrame: FrameHandler;
  /** Carrier: false while the link is down (set down by the user, or its peer is gone). */
  readonly up: boolean;
  /** Called when `up` changes. */
  onCarrier: ((up: boolean) => void) | undefined;
  readonly stats: PortStats;
}

/** Why a frame was dropped. Links use the reasons below; devices add their own names. */
export type DropReason = string;

export const LinkDrop = {
  /** The link (or this end) is down. */
  LinkDown: 'link-down',
  /** Random loss impairment. */
  Loss: 'loss',
  /** The shaping queue was full (tail drop), as `limit` in tc. */
  QueueFull: 'queue-full',
  /** The receiver is not keeping up and its ring has no room. */
  RingFull: 'ring-full',
  /** Larger than the link's largest frame. */
  TooBig: 'too-big',
} as const;

/** The drop reasons a link itself counts. */
export type LinkDropReason = (typeof LinkDrop)[keyof typeof LinkDrop];

export interface PortStats {
  /** Frames and bytes this end offered to the link. */
  txFrames: number;
  txBytes: number;
  /** Frames and bytes the link delivered to this end. */
  rxFrames: number;
  rxBytes: number;
  /** Extra copies the duplication impairment made of frames this end sent. */
  txDuplicates: number;
  /** Frames this end sent that the link dropped, by reason. */
  drops: Record<DropReason, number>;
}

export function newPortStats(): PortStats {
  return { txFrames: 0, txBytes: 0, rxFrames: 0, rxBytes: 0, txDuplicates: 0, drops: {} };
}

export function countDrop(stats: PortStats, reason: DropReason, frames = 1): void {
  stats.drops[reason] = (stats.drops[reason] ?? 0) + frames;
}

/** All drops of a port, summed over reasons. */
export function totalDrops(stats: PortStats): number {
  let n = 0;
  for (const k in stats.drops) n += stats.drops[k];
  return n;
}
