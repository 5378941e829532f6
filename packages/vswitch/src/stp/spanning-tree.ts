/**
 * A bridge's spanning tree: 802.1D STP or 802.1w RSTP, as a protocol engine a switch consults.
 *
 * What: the switch hands over the frames it receives for 01:80:c2:00:00:00 (`receiveBpdu`),
 * reports link state (`setPortUp`) and the time (`poll(now)`, woken at `pollAt()`); the engine
 * sends BPDUs through `send`, asks for MAC flushes through `onFlush`, and for every data frame
 * the switch asks `learns(port)` (may the source MAC be learned?) and `forwards(port)` (may the
 * frame come in or go out here?).
 *
 * Design: a façade over one of two engines (stp-bridge.ts, rstp-bridge.ts). It validates
 * options into typed errors, decodes BPDUs with one reused reader, counts unusable ones by
 * reason, and owns the per-port flags byte the engines publish into.
 *
 * Why fast: `learns` and `forwards` are one typed-array read each — per frame, nothing else
 * runs and nothing allocates. BPDUs are a few per hello time per port.
 */
import { type BridgeId, isValidMac } from '@vnet/frame';
import { SwitchError } from '../errors.js';
import { BpduReader } from './bpdu.js';
import { type BasePort, type Engine, type EngineConfig, FORWARDS, LEARNS } from './engine.js';
import { RstpBridge } from './rstp-bridge.js';
import { StpBridge } from './stp-bridge.js';
import type { SpanningTreeOptions, StpPortInfo, StpPortOptions, StpPortRole, StpPortState, StpProtocol } from './types.js';

/** Port numbers fit the 12 bits a port ID gives them. */
const MAX_PORT = 4095;
/** Default path costs: a 1 Gb/s link in 802.1D-1998's table and in 802.1D-2004's. */
const DEFAULT_COST: Record<StpProtocol, number> = { stp: 4, rstp: 20_000 };

export class SpanningTree {
  readonly protocol: StpProtocol;
  readonly bridgeId: BridgeId;
  /** BPDUs handed over but not used, by reason (see `BpduDrop`). */
  readonly drops: Record<string, number> = {};
  private readonly engine: Engine<BasePort>;
  private readonly flags = new Uint8Array(MAX_PORT + 1);
  private readonly reader = new BpduReader();

  constructor(options: SpanningTreeOptions) {
    const { bridgeMac, priority = 32768, protocol, helloTime = 2, maxAge = 20, forwardDelay = 15, send, onFlush, now = 0 } = options;
    if (protocol !== 'stp' && protocol !== 'rstp') bad(`protocol must be 'stp' or 'rstp', not ${String(protocol)}`);
    if (!isValidMac(bridgeMac)) bad(`bridgeMac must be a 48-bit MAC as a number, not ${String(bridgeMac)}`);
    if (!Number.isInteger(priority) || priority < 0 || priority > 0xffff)
      bad(`priority must be an integer in 0-65535 (default 32768), not ${priority}`);
    for (const [name, value] of [
      ['helloTime', helloTime],
      ['maxAge', maxAge],
      ['forwardDelay', forwardDelay],
    ] as const) {
      if (!(value > 0 && value < 256 && Number.isInteger(value * 256)))
        bad(`${name} must be seconds in (0, 256), a multiple of 1/256, not ${value}`);
    }
    // 802.1D-2004 §17.14: information must be able to reach across the network and age out in time.
    if (!(2 * (forwardDelay - 1) >= maxAge && maxAge >= 2 * (helloTime + 1))) {
      bad(
        `timers must satisfy 2 × (forwardDelay − 1) ≥ maxAge ≥ 2 × (helloTime + 1); got hello ${helloTime}, max age ${maxAge}, forward delay ${forwardDelay}`,
      );
    }
    if (typeof send !== 'function') bad('send must be a function (port, frame) => void');
    if (!Number.isFinite(now)) bad(`now must be a clock reading in ms, not ${now}`);
    this.protocol = protocol;
    this.bridgeId = { priority, mac: bridgeMac };
    const cfg: EngineConfig = { priority, mac: bridgeMac, helloTime, maxAge, forwardDelay, send, onFlush, now, flags: this.flags };
    this.engine = protocol === 'stp' ? new StpBridge(cfg) : new RstpBridge(cfg);
  }

  /** Adds a port (1-4095), link up; it starts blocking (STP) or discarding (RSTP) unless it is an edge port. */
  addPort(number: number, options: StpPortOptions = {}): void {
    const { pathCost = DEFAULT_COST[this.protocol], priority = 128, edge = false } = options;
    if (!Number.isInteger(number) || number < 1 || number > MAX_PORT) bad(`port number must be an integer in 1-${MAX_PORT}, not ${number}`);
    if (!Number.isInteger(pathCost) || pathCost < 1 || pathCost > 200_000_000)
      bad(`port ${number}: pathCost must be an integer in 1-200000000, not ${pathCost}`);
    if (!Number.isInteger(priority) || priority < 0 || priority > 240 || priority % 16 !== 0) {
      bad(`port ${number}: priority must be a multiple of 16 in 0-240 (default 128), not ${priority}`);
    }
    this.engine.addPort(number, (priority << 8) | number, pathCost, edge);
  }

  removePort(number: number): void {
    this.engine.removePort(number);
  }

  /** The port's link went up or down: a failed link triggers reconvergence at once. */
  setPortUp(number: number, up: boolean): void {
    this.engine.setPortUp(number, up);
  }

  /** Takes a frame the switch received on `port` for 01:80:c2:00:00:00; bad ones are counted in `drops`. */
  receiveBpdu(port: number, bytes: Uint8Array, offset = 0, length = bytes.length - offset): void {
    const why = this.reader.read(bytes, offset, length) ?? this.engine.receive(port, this.reader.bpdu);
    if (why !== undefined) this.drops[why] = (this.drops[why] ?? 0) + 1;
  }

  /** Advances the clock (ms): hellos, aging, forward delays, edge detection happen here. */
  poll(now: number): void {
    this.engine.poll(now);
  }

  /** When `poll` must next run (ms), or Infinity. */
  pollAt(): number {
    return this.engine.pollAt();
  }

  /** May frames enter and leave through this port? False for ports the tree does not know. */
  forwards(port: number): boolean {
    return (this.flags[port] & FORWARDS) !== 0;
  }

  /** May source MACs be learned on this port (learning or forwarding)? */
  learns(port: number): boolean {
    return (this.flags[port] & LEARNS) !== 0;
  }

  portState(number: number): StpPortState {
    return this.engine.portState(this.engine.port(number));
  }

  portRole(number: number): StpPortRole {
    return this.engine.portRole(this.engine.port(number));
  }

  portNumbers(): number[] {
    return this.engine.portNumbers();
  }

  portInfo(number: number): StpPortInfo {
    const e = this.engine;
    const p = e.port(number);
    const v = e.portVector(p);
    return {
      number,
      portId: p.portId,
      role: e.portRole(p),
      state: e.portState(p),
      pathCost: p.pathCost,
      edge: p.operEdge,
      designatedRoot: { priority: v.rootPriority, mac: v.rootMac },
      designatedCost: v.rootPathCost,
      designatedBridge: { priority: v.bridgePriority, mac: v.bridgeMac },
      designatedPort: v.portId,
      counters: { ...p.counters },
    };
  }

  /** The root bridge as this bridge sees it. */
  get rootId(): BridgeId {
    const r = this.engine.rootVector;
    return { priority: r.rootPriority, mac: r.rootMac };
  }

  get rootPathCost(): number {
    return this.engine.rootVector.rootPathCost;
  }

  /** The root port's number; 0 on the root bridge. */
  get rootPort(): number {
    return this.engine.rootPortNumber;
  }

  get isRoot(): boolean {
    return this.engine.isRoot;
  }

  /** A topology change is under way (STP: the root's flag; RSTP: some port's tcWhile runs). */
  get topologyChange(): boolean {
    return this.engine.topologyChange;
  }
}

function bad(message: string): never {
  throw new SwitchError('bad-option', `spanning tree: ${message}`);
}
