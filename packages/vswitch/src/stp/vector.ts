/**
 * Priority vectors and timer sets, the two things BPDUs carry (802.1D-2004 §17.6).
 *
 * What: a priority vector is {root ID, root path cost, designated bridge ID, designated port
 * ID, receiving port ID}; the better of two is the lower, compared field by field. Both STP's
 * root and designated port selection and RSTP's role selection are comparisons of these.
 *
 * Design: mutable objects with copy and set, owned by ports and bridges and overwritten in
 * place, so handling a BPDU allocates nothing. A bridge ID is kept as two numbers (16-bit
 * priority, 48-bit MAC): together they do not fit a double.
 */

/** Compares two bridge IDs: negative when the first is better (lower). */
export function compareBridgeIds(priorityA: number, macA: number, priorityB: number, macB: number): number {
  return priorityA !== priorityB ? priorityA - priorityB : macA - macB;
}

export class PriorityVector {
  rootPriority = 0;
  rootMac = 0;
  rootPathCost = 0;
  bridgePriority = 0;
  bridgeMac = 0;
  portId = 0;
  /** The port of this bridge the vector arrived on (RSTP's fifth component; STP's last tie-break). */
  rxPortId = 0;

  set(
    rootPriority: number,
    rootMac: number,
    cost: number,
    bridgePriority: number,
    bridgeMac: number,
    portId: number,
    rxPortId: number,
  ): this {
    this.rootPriority = rootPriority;
    this.rootMac = rootMac;
    this.rootPathCost = cost;
    this.bridgePriority = bridgePriority;
    this.bridgeMac = bridgeMac;
    this.portId = portId;
    this.rxPortId = rxPortId;
    return this;
  }

  copy(o: PriorityVector): this {
    return this.set(o.rootPriority, o.rootMac, o.rootPathCost, o.bridgePriority, o.bridgeMac, o.portId, o.rxPortId);
  }

  /** Same root and designated bridge and port: what one designated port says of one LAN. */
  sameDesignated(o: PriorityVector): boolean {
    return compareDesignated(this, o) === 0;
  }
}

/** Compares root, cost, designated bridge and designated port: negative when `a` is better. */
export function compareDesignated(a: PriorityVector, b: PriorityVector): number {
  return (
    compareBridgeIds(a.rootPriority, a.rootMac, b.rootPriority, b.rootMac) ||
    a.rootPathCost - b.rootPathCost ||
    compareBridgeIds(a.bridgePriority, a.bridgeMac, b.bridgePriority, b.bridgeMac) ||
    a.portId - b.portId
  );
}

/** Compares all five components: negative when `a` is better. */
export function compareVectors(a: PriorityVector, b: PriorityVector): number {
  return compareDesignated(a, b) || a.rxPortId - b.rxPortId;
}

/** The timers a BPDU carries, in seconds. */
export class StpTimes {
  messageAge = 0;
  maxAge = 20;
  helloTime = 2;
  forwardDelay = 15;

  set(messageAge: number, maxAge: number, helloTime: number, forwardDelay: number): this {
    this.messageAge = messageAge;
    this.maxAge = maxAge;
    this.helloTime = helloTime;
    this.forwardDelay = forwardDelay;
    return this;
  }

  copy(o: StpTimes): this {
    return this.set(o.messageAge, o.maxAge, o.helloTime, o.forwardDelay);
  }

  equals(o: StpTimes): boolean {
    return (
      this.messageAge === o.messageAge && this.maxAge === o.maxAge && this.helloTime === o.helloTime && this.forwardDelay === o.forwardDelay
    );
  }
}
