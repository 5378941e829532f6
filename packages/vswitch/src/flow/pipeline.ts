/**
 * The programmable datapath of vswitch: OpenFlow-style flow tables behind OVS's three tiers.
 *
 * What: frames enter with `process(bytes, offset, length, inPort)` or in bursts of 32
 * (`processBurst`), and leave through the `output` callback. Flows are added, deleted and
 * dumped in ovs-ofctl's syntax; groups and mirrors as OVS configures them; `normal` hands the
 * decision to a learning switch and `controller` to a slow-path callback.
 *
 * Design — the tiers, as in OVS's userspace datapath:
 *   1. microflow cache (exact match on the whole key) → a megaflow;
 *   2. megaflow cache (one subtable per mask; masks hold only the bits the slow path
 *      consulted) → a datapath program;
 *   3. upcall: the slow path translates the key through the tables (translate.ts), installs a
 *      megaflow, and the frame runs its program.
 * Misses in a burst are set aside and upcalled after the hits, in order, each looking the
 * megaflow cache up again first (an earlier miss may have installed it).
 * Revalidation: a change to rules, groups, ports or mirrors flushes both caches before the
 * call that made it returns; `invalidate()` (the MAC table changed) bumps a generation that
 * every megaflow built on a `normal` decision carries, so those die at once and the rest stay.
 * Either way, once the call returns no frame follows the old decision.
 * Time is passed in: `poll(now)` expires idle and hard timeouts and idle megaflows.
 * Every frame is counted: delivered (an output or a controller delivery), or dropped under a
 * named reason (FlowDrop).
 *
 * Why fast: the per-frame path extracts the key into a reused Uint32Array, hashes and compares
 * integers in flat typed arrays, bumps counters in Float64Arrays and runs a precompiled program;
 * it allocates nothing.
 */
import { extractFlowKey, FlowKeyStatus } from '@vnet/frame';
import { SwitchError } from '../errors.js';
import { checkActions, type FlowAction, formatActions, MAX_PORT } from './actions.js';
import type { FrameBurst } from './burst.js';
import { BURST_SIZE } from './burst.js';
import { Classifier } from './classifier.js';
import { type ControllerFn, Executor, type OutputFn } from './execute.js';
import { KEY_WORDS } from './fields.js';
import { type FlowFilter, type FlowMatchFields, type FlowSpec, flowSpecText, matchText, parseFlow, parseFlowFilter } from './flow-text.js';
import { type FlowGroup, formatGroup, type GroupSpec, groupFromSpec, parseGroup } from './groups.js';
import { formatMatch } from './match-format.js';
import { MegaflowCache, NO_MAC_DEPENDENCY } from './megaflow-cache.js';
import { formatMegaflowKey } from './megaflow-format.js';
import { MicroflowCache } from './microflow-cache.js';
import { type DpProgram, DROP_REASONS, DropCode, ProgramInterner } from './program.js';
import { FlowRule } from './rule.js';
import { type Mirror, type NormalFn, type PipelinePort, type TranslateEnv, Translator } from './translate.js';

export interface FlowPipelineOptions {
  /** For messages (`s1`). */
  name?: string;
  /** The switch's port numbers (OpenFlow ports); more with `addPort`. */
  ports?: readonly number[];
  /** Where frames leave. The bytes are valid only during the call: copy them to keep them. */
  output: OutputFn;
  /** The `normal` action (the learning switch's decision); without it, normal drops. */
  normal?: NormalFn;
  /**
   * Called on `poll` with the key of every cached `normal` megaflow that carried frames since
   * the previous poll, so a learning switch can refresh the MACs it would otherwise only see on
   * upcalls (OVS's revalidators do the same).
   */
  refreshNormal?: (key: Uint32Array) => void;
  /** The `controller` action; without it, frames sent to the controller count as `no-controller` drops. */
  controller?: ControllerFn;
  /** Microflow cache entries (default 8192, rounded up to a power of two; 0 disables it). */
  microflowEntries?: number;
  /** Insert one in this many megaflow hits into the microflow cache (default 8; 1 always). */
  microflowInsertInv?: number;
  /** Megaflows at most (default 200,000, OVS's flow limit); beyond, frames still go through the slow path. */
  maxMegaflows?: number;
  /** A megaflow unused for this long is removed on `poll` (default 10,000 ms, OVS's max-idle). */
  megaflowIdleMs?: number;
  /** The clock at start (ms); later `poll(now)` moves it. */
  now?: number;
}

export interface FlowPipelineStats {
  frames: number;
  bytes: number;
  /** Frames that left through at least one output or reached the controller. */
  delivered: number;
  microflowHits: number;
  megaflowHits: number;
  /** Frames that went through the slow path. */
  upcalls: number;
  /** Average megaflow subtables probed per megaflow hit. */
  masksPerHit: number;
  megaflows: number;
  masks: number;
  flows: number;
  /** Times the caches were flushed because rules, groups, ports or mirrors changed. */
  flushes: number;
  /** Times `invalidate()` was called. */
  invalidations: number;
  drops: Record<string, number>;
}

export interface FlowEntry {
  table: number;
  priority: number;
  cookie: bigint;
  /** Seconds since the flow was added. */
  duration: number;
  idleTimeout: number;
  hardTimeout: number;
  packets: number;
  bytes: number;
  /** Seconds since a frame last matched it (or since it was added). */
  idleAge: number;
  match: string;
  actions: string;
}

/** A mirror inside the pipeline (OVS's mirror record: select_all, select_src_port, select_dst_port, output_port). */
export interface FlowMirrorSpec {
  name: string;
  /** Mirror every frame. */
  selectAll?: boolean;
  /** Frames arriving on these ports. */
  srcPorts?: readonly number[];
  /** Frames leaving through these ports. */
  dstPorts?: readonly number[];
  /** Where the copies go. */
  outputPort: number;
}

// Indexes of the pipeline's counters.
const C = { FRAMES: 0, BYTES: 1, DELIVERED: 2, MICRO: 3, MEGA: 4, UPCALLS: 5, FLUSHES: 6, INVALIDATIONS: 7, DROPS: 8 } as const;
const STAT = 3; // packets, bytes, last use per rule

export class FlowPipeline {
  readonly name: string;
  private readonly options: FlowPipelineOptions;
  private readonly tables: Array<Classifier<FlowRule> | undefined> = [];
  private readonly groups = new Map<number, FlowGroup>();
  private readonly portMap = new Map<number, PipelinePort>();
  private ports: PipelinePort[] = [];
  private mirrors: Mirror[] = [];
  private readonly timed = new Set<FlowRule>();
  private readonly counters = new Float64Array(C.DROPS + DROP_REASONS.length);
  private ruleStats = new Float64Array(64 * STAT);
  private readonly freeStats: number[] = [];
  private nextStat = 0;
  private seq = 0;
  private now: number;
  private macGen = 0;
  private nextSweep: number;
  private lastSweep: number;
  private busy = false;

  private readonly megaflows: MegaflowCache;
  private readonly microflows: MicroflowCache;
  private readonly interner = new ProgramInterner();
  private readonly translator: Translator;
  private readonly executor: Executor;
  private readonly env: TranslateEnv;
  private readonly megaflowIdleMs: number;
  // The key of the frame in hand, and those of a burst.
  private readonly keyU32 = new Uint32Array(KEY_WORDS);
  private readonly key = new Int32Array(this.keyU32.buffer);
  private readonly burstU32: Uint32Array[] = [];
  private readonly burstKeys: Int32Array[] = [];
  private readonly burstHashes = new Int32Array(BURST_SIZE);
  private readonly burstMisses = new Int32Array(BURST_SIZE);

  constructor(options: FlowPipelineOptions) {
    this.options = options;
    this.name = options.name ?? 'pipeline';
    if (typeof options.output !== 'function')
      throw new SwitchError('bad-option', `${this.name}: the flow pipeline needs an output callback`);
    this.now = options.now ?? 0;
    this.megaflowIdleMs = options.megaflowIdleMs ?? 10_000;
    this.nextSweep = this.now + 1000;
    this.lastSweep = this.now;
    const limit = options.maxMegaflows ?? 200_000;
    const entries = options.microflowEntries ?? 8192;
    const inv = options.microflowInsertInv ?? 8;
    for (const [what, n] of [
      ['maxMegaflows', limit],
      ['microflowEntries', entries],
      ['microflowInsertInv', inv],
    ] as const) {
      if (!Number.isInteger(n) || n < 0 || n > 1 << 24)
        throw new SwitchError('bad-option', `${this.name}: ${what} must be a whole number 0-16777216, got ${n}`);
    }
    this.megaflows = new MegaflowCache(limit);
    this.microflows = new MicroflowCache(entries, Math.max(1, inv));
    this.translator = new Translator(this.interner);
    this.executor = new Executor(options.output, options.controller);
    for (let i = 0; i < BURST_SIZE; i++) {
      const u = new Uint32Array(KEY_WORDS);
      this.burstU32.push(u);
      this.burstKeys.push(new Int32Array(u.buffer));
    }
    const self = this;
    this.env = {
      tables: this.tables,
      groups: this.groups,
      get ports() {
        return self.ports;
      },
      portMap: this.portMap,
      get mirrors() {
        return self.mirrors;
      },
      normal: options.normal,
      hasController: options.controller !== undefined,
    };
    for (const p of options.ports ?? []) this.addPort(p);
  }

  // ---- Ports, mirrors ----

  addPort(number: number): void {
    if (!Number.isInteger(number) || number < 0 || number > MAX_PORT) {
      throw new SwitchError('bad-option', `${this.name}: port numbers are 0-${MAX_PORT}, not ${number}`);
    }
    if (this.portMap.has(number)) throw new SwitchError('port-in-use', `${this.name}: port ${number} is already in the pipeline`);
    this.portMap.set(number, { number, up: true, flood: true });
    this.ports = [...this.portMap.values()].sort((a, b) => a.number - b.number);
    this.changed();
  }

  removePort(number: number): void {
    if (!this.portMap.delete(number)) return;
    this.ports = this.ports.filter((p) => p.number !== number);
    this.changed();
  }

  /** A port going down stops outputs to it and fails over groups watching it. */
  setPortUp(number: number, up: boolean): void {
    const p = this.port(number);
    if (p.up === up) return;
    p.up = up;
    this.changed();
  }

  /** Whether `flood` reaches the port (`ovs-ofctl mod-port … flood|no-flood`); `all` always does. */
  setPortFlood(number: number, flood: boolean): void {
    const p = this.port(number);
    if (p.flood === flood) return;
    p.flood = flood;
    this.changed();
  }

  portNumbers(): number[] {
    return this.ports.map((p) => p.number);
  }

  /** Copies frames to `outputPort`, as `ovs-vsctl … create mirror` does. */
  addMirror(spec: FlowMirrorSpec): void {
    if (this.mirrors.some((m) => m.name === spec.name))
      throw new SwitchError('bad-option', `${this.name}: mirror ${spec.name} exists already`);
    if (this.mirrors.length >= 31) throw new SwitchError('bad-option', `${this.name}: at most 31 mirrors`);
    this.port(spec.outputPort);
    this.mirrors = [
      ...this.mirrors,
      {
        name: spec.name,
        selectAll: spec.selectAll ?? false,
        selectSrcPort: new Set(spec.srcPorts ?? []),
        selectDstPort: new Set(spec.dstPorts ?? []),
        outputPort: spec.outputPort,
      },
    ];
    this.changed();
  }

  removeMirror(name: string): boolean {
    const before = this.mirrors.length;
    this.mirrors = this.mirrors.filter((m) => m.name !== name);
    if (this.mirrors.length === before) return false;
    this.changed();
    return true;
  }

  private port(number: number): PipelinePort {
    const p = this.portMap.get(number);
    if (!p)
      throw new SwitchError('no-such-port', `${this.name} has no port ${number}; ports are ${this.portNumbers().join(', ') || 'none'}`);
    return p;
  }

  // ---- Flows ----

  /** `ovs-ofctl add-flow`: adds a flow, replacing one with the same table, match and priority. */
  addFlow(flow: string | FlowSpec): void {
    let parsed: ReturnType<typeof parseFlow>;
    if (typeof flow === 'string') parsed = parseFlow(flow);
    else {
      const { text, actions } = flowSpecText(flow);
      parsed = parseFlow(text);
      if (actions) {
        checkActions(actions, parsed.table);
        parsed.actions = [...actions];
      }
    }
    for (const a of parsed.actions) {
      if (a.type === 'group' && !this.groups.has(a.group)) {
        throw new SwitchError(
          'bad-option',
          `${this.name}: flow refers to group ${a.group}, which does not exist; add it first with addGroup`,
        );
      }
    }
    const rule = new FlowRule(
      parsed.table,
      parsed.priority,
      parsed.match,
      parsed.actions,
      parsed.cookie,
      parsed.idleTimeout,
      parsed.hardTimeout,
      this.now,
      this.seq++,
    );
    let cls = this.tables[rule.table];
    if (!cls) {
      cls = new Classifier<FlowRule>();
      this.tables[rule.table] = cls;
    }
    rule.statSlot = this.allocStat();
    const replaced = cls.insert(rule);
    if (replaced) this.release(replaced);
    if (rule.idleTimeout > 0 || rule.hardTimeout > 0) this.timed.add(rule);
    this.changed();
  }

  /**
   * `ovs-ofctl del-flows`: removes the flows the filter selects (all without one) and returns
   * how many. Non-strict: every flow at least as specific as the filter's match; strict: the
   * flow with exactly that match and priority.
   */
  deleteFlows(filter: string | FlowMatchFields = '', options: { strict?: boolean } = {}): number {
    const victims = this.select(filter, options.strict ?? false);
    for (const r of victims) {
      this.tables[r.table]?.remove(r);
      this.release(r);
    }
    if (victims.length) this.changed();
    return victims.length;
  }

  /** The flows, as dump-flows lists them (by table, then priority, then age). */
  flows(filter: string | FlowMatchFields = ''): FlowEntry[] {
    return this.select(filter, false).map((r) => {
      const s = r.statSlot * STAT;
      return {
        table: r.table,
        priority: r.priority,
        cookie: r.cookie,
        duration: (this.now - r.created) / 1000,
        idleTimeout: r.idleTimeout,
        hardTimeout: r.hardTimeout,
        packets: this.ruleStats[s],
        bytes: this.ruleStats[s + 1],
        idleAge: Math.max(0, this.now - this.ruleStats[s + 2]) / 1000,
        match: formatMatch(r.match, r.priority),
        actions: formatActions(r.actions),
      };
    });
  }

  /** `ovs-ofctl dump-flows`: one line per flow. */
  dumpFlows(filter: string | FlowMatchFields = ''): string {
    return this.flows(filter)
      .map((f) => {
        let line = ` cookie=0x${f.cookie.toString(16)}, duration=${f.duration.toFixed(3)}s, table=${f.table}, n_packets=${f.packets}, n_bytes=${f.bytes}, `;
        if (f.idleTimeout) line += `idle_timeout=${f.idleTimeout}, `;
        if (f.hardTimeout) line += `hard_timeout=${f.hardTimeout}, `;
        if (f.match) line += `${f.match} `;
        return `${line}actions=${f.actions}`;
      })
      .join('\n');
  }

  private select(filterText: string | FlowMatchFields, strict: boolean): FlowRule[] {
    const text = matchText(filterText);
    const f: FlowFilter = parseFlowFilter(text);
    const out: FlowRule[] = [];
    this.tables.forEach((cls, table) => {
      if (!cls || (f.table >= 0 && f.table !== table)) return;
      // A strict filter names one flow per table: find it instead of scanning.
      const candidates = strict ? [cls.get(f.match, f.priority)].filter((r) => r !== undefined) : cls;
      for (const r of candidates) {
        if (strict ? !(r.priority === f.priority && r.match.equals(f.match)) : !r.match.within(f.match)) continue;
        if ((r.cookie & f.cookieMask) !== (f.cookie & f.cookieMask)) continue;
        if (f.outPort >= 0 && !outputsTo(r.actions, f.outPort, this.groups)) continue;
        out.push(r);
      }
    });
    return out.sort((a, b) => a.table - b.table || b.priority - a.priority || a.seq - b.seq);
  }

  private allocStat(): number {
    const s = this.freeStats.pop() ?? this.nextStat++;
    if ((s + 1) * STAT > this.ruleStats.length) {
      const more = new Float64Array(this.ruleStats.length * 2);
      more.set(this.ruleStats);
      this.ruleStats = more;
    }
    this.ruleStats[s * STAT] = 0;
    this.ruleStats[s * STAT + 1] = 0;
    this.ruleStats[s * STAT + 2] = this.now;
    return s;
  }

  /** Forgets a rule that left its table. */
  private release(r: FlowRule): void {
    if (r.statSlot >= 0) this.freeStats.push(r.statSlot);
    r.statSlot = -1;
    this.timed.delete(r);
  }

  // ---- Groups ----

  /** `ovs-ofctl add-group`. */
  addGroup(group: string | GroupSpec): void {
    const g = typeof group === 'string' ? parseGroup(group) : groupFromSpec(group);
    if (this.groups.has(g.id)) throw new SwitchError('bad-option', `${this.name}: group ${g.id} exists already; use modGroup to change it`);
    this.checkGroup(g);
    this.groups.set(g.id, g);
    this.changed();
  }

  /** `ovs-ofctl mod-group`: replaces a group's type and buckets. */
  modGroup(group: string | GroupSpec): void {
    const g = typeof group === 'string' ? parseGroup(group) : groupFromSpec(group);
    if (!this.groups.has(g.id)) throw new SwitchError('bad-option', `${this.name}: group ${g.id} does not exist; add it with addGroup`);
    this.checkGroup(g);
    this.groups.set(g.id, g);
    this.changed();
  }

  /** `ovs-ofctl del-groups`: removes a group (all without an id) and the flows that use it. */
  deleteGroups(id?: number): number {
    const ids = id === undefined ? [...this.groups.keys()] : this.groups.has(id) ? [id] : [];
    for (const gid of ids) {
      this.groups.delete(gid);
      this.tables.forEach((cls) => {
        if (!cls) return;
        for (const r of [...cls]) {
          if (r.actions.some((a) => a.type === 'group' && a.group === gid)) {
            cls.remove(r);
            this.release(r);
          }
        }
      });
    }
    if (ids.length) this.changed();
    return ids.length;
  }

  dumpGroups(): string {
    return [...this.groups.values()]
      .sort((a, b) => a.id - b.id)
      .map((g) => ` ${formatGroup(g)}`)
      .join('\n');
  }

  private checkGroup(g: FlowGroup): void {
    for (const b of g.buckets) {
      checkActions(b.actions, 0);
      if (b.watchPort >= 0 && !this.portMap.has(b.watchPort)) {
        throw new SwitchError('no-such-port', `${this.name}: group ${g.id} watches port ${b.watchPort}, which the pipeline does not have`);
      }
    }
  }

  // ---- Revalidation ----

  /**
   * Something a decision may depend on changed (rules, groups, ports, mirrors): flush both
   * caches now, so the next frame is translated afresh.
   */
  private changed(): void {
    if (this.megaflows.count > 0) this.counters[C.FLUSHES]++;
    this.megaflows.clear();
    this.microflows.clear();
    this.interner.clear();
    const rules = this.mirrors.length === 0 && this.options.normal ? this.select('', false) : [];
    const r = rules[0];
    this.normalRule =
      rules.length === 1 && r.table === 0 && r.match.mask.every((m) => m === 0) && r.actions.length === 1 && r.actions[0].type === 'normal'
        ? r
        : undefined;
  }

  /** The flow, when the tables are one flow matching everything with the one action NORMAL: see `normalOnly`. */
  private normalRule: FlowRule | undefined;

  /**
   * Whether every frame's decision is `normal`, whatever the frame: the tables are one flow,
   * matching everything, whose only action is NORMAL (an OVS bridge as created), and there is
   * no mirror. The owner may then skip the pipeline, call `countNormal` and decide itself, which
   * is what `process` would have done at a fraction of the cost.
   */
  get normalOnly(): boolean {
    return this.normalRule !== undefined;
  }

  /** Counts a frame the owner handed to `normal` itself while `normalOnly` (as `process` would have). */
  countNormal(length: number): void {
    const c = this.counters;
    c[C.FRAMES]++;
    c[C.BYTES] += length;
    c[C.DELIVERED]++;
    const s = this.normalRule!.statSlot * STAT;
    this.ruleStats[s]++;
    this.ruleStats[s + 1] += length;
    this.ruleStats[s + 2] = this.now;
  }

  /**
   * The MAC table behind `normal` changed (a MAC learned, moved, aged out or flushed): every
   * megaflow built on a normal decision is invalid from now on. Cheap: a generation bump.
   */
  invalidate(): void {
    this.macGen = (this.macGen + 1) | 0;
    this.counters[C.INVALIDATIONS]++;
  }

  /** Empties both caches (`ovs-appctl dpctl/del-flows`). */
  flushCaches(): void {
    this.changed();
  }

  // ---- Time ----

  /** Advances the clock (ms): expires flows past their idle or hard timeout, and idle megaflows. */
  poll(now: number): void {
    this.now = now;
    if (this.timed.size > 0) {
      const expired: FlowRule[] = [];
      for (const r of this.timed) {
        const used = this.ruleStats[r.statSlot * STAT + 2];
        if ((r.hardTimeout > 0 && now - r.created >= r.hardTimeout * 1000) || (r.idleTimeout > 0 && now - used >= r.idleTimeout * 1000))
          expired.push(r);
      }
      for (const r of expired) {
        this.tables[r.table]?.remove(r);
        this.release(r);
      }
      if (expired.length) this.changed();
    }
    if (now >= this.nextSweep) this.sweep(now);
  }

  /** When `poll` should next run. */
  pollAt(): number {
    let at = this.nextSweep;
    for (const r of this.timed) {
      if (r.hardTimeout > 0) at = Math.min(at, r.created + r.hardTimeout * 1000);
      if (r.idleTimeout > 0) at = Math.min(at, this.ruleStats[r.statSlot * STAT + 2] + r.idleTimeout * 1000);
    }
    return at;
  }

  /** Removes idle and stale megaflows, refreshes normal ones in use, re-orders masks by hits. */
  private sweep(now: number): void {
    const mf = this.megaflows;
    const refresh = this.options.refreshNormal;
    const key = new Uint32Array(KEY_WORDS);
    const since = this.lastSweep;
    mf.forEach((s) => {
      const g = mf.macGen[s];
      if (now - mf.used[s] >= this.megaflowIdleMs || (g !== NO_MAC_DEPENDENCY && g !== this.macGen)) {
        mf.remove(s);
        return;
      }
      if (refresh && g !== NO_MAC_DEPENDENCY && mf.packets[s] > 0 && mf.used[s] >= since) {
        for (let w = 0; w < KEY_WORDS; w++) key[w] = mf.value[s * KEY_WORDS + w];
        refresh(key);
      }
    });
    mf.reorder();
    this.lastSweep = now;
    this.nextSweep = now + 1000;
  }

  // ---- The datapath ----

  /** Switches one frame (`bytes[offset, offset + length)`, arrived on `inPort`). */
  process(bytes: Uint8Array, offset: number, length: number, inPort: number): void {
    const c = this.counters;
    if (this.busy) {
      c[C.FRAMES]++;
      c[C.BYTES] += length;
      c[C.DROPS + DropCode.Reentrant]++;
      return;
    }
    this.busy = true;
    try {
      this.one(bytes, offset, length, inPort, this.key, this.keyU32);
    } finally {
      this.busy = false;
    }
  }

  /**
   * Switches a burst: every frame is looked up in the caches and the hits run; misses are
   * upcalled after the hits, in arrival order. The burst is left as it was (clear it to reuse).
   */
  processBurst(burst: FrameBurst): void {
    const c = this.counters;
    const n = Math.min(burst.count, BURST_SIZE);
    if (this.busy) {
      for (let i = 0; i < n; i++) {
        c[C.FRAMES]++;
        c[C.BYTES] += burst.lengths[i];
        c[C.DROPS + DropCode.Reentrant]++;
      }
      return;
    }
    this.busy = true;
    try {
      let misses = 0;
      for (let i = 0; i < n; i++) {
        const bytes = burst.bytes[i];
        const offset = burst.offsets[i];
        const length = burst.lengths[i];
        const key = this.burstKeys[i];
        c[C.FRAMES]++;
        c[C.BYTES] += length;
        if (extractFlowKey(bytes, offset, length, burst.inPorts[i], this.burstU32[i]) !== FlowKeyStatus.OK) {
          c[C.DROPS + DropCode.Malformed]++;
          continue;
        }
        const h = MicroflowCache.hash(key);
        const slot = this.cached(key, h);
        if (slot < 0) {
          this.burstHashes[i] = h;
          this.burstMisses[misses++] = i;
          continue;
        }
        this.runSlot(slot, bytes, offset, length);
      }
      for (let j = 0; j < misses; j++) {
        const i = this.burstMisses[j];
        const key = this.burstKeys[i];
        const h = this.burstHashes[i];
        let slot = this.megaflows.lookup(key, this.macGen);
        if (slot >= 0) {
          this.counters[C.MEGA]++;
          this.microflows.offer(key, h, slot, this.megaflows.serial);
        } else slot = this.upcall(key, h);
        if (slot >= 0) this.runSlot(slot, burst.bytes[i], burst.offsets[i], burst.lengths[i]);
        else this.runProgram(this.uncached!, burst.bytes[i], burst.offsets[i], burst.lengths[i]);
      }
    } finally {
      this.busy = false;
    }
  }

  private one(bytes: Uint8Array, offset: number, length: number, inPort: number, key: Int32Array, keyU32: Uint32Array): void {
    const c = this.counters;
    c[C.FRAMES]++;
    c[C.BYTES] += length;
    if (extractFlowKey(bytes, offset, length, inPort, keyU32) !== FlowKeyStatus.OK) {
      c[C.DROPS + DropCode.Malformed]++;
      return;
    }
    const h = MicroflowCache.hash(key);
    let slot = this.cached(key, h);
    if (slot < 0) slot = this.upcall(key, h);
    if (slot >= 0) this.runSlot(slot, bytes, offset, length);
    else this.runProgram(this.uncached!, bytes, offset, length);
  }

  /** Tiers 1 and 2: the megaflow slot for `key`, counting the hit, or -1 on a miss. */
  private cached(key: Int32Array, h: number): number {
    const mf = this.megaflows;
    let slot = this.microflows.lookup(key, h, mf.serial);
    if (slot >= 0) {
      const g = mf.macGen[slot];
      if (g === NO_MAC_DEPENDENCY || g === this.macGen) {
        this.counters[C.MICRO]++;
        return slot;
      }
    }
    slot = mf.lookup(key, this.macGen);
    if (slot >= 0) {
      this.counters[C.MEGA]++;
      this.microflows.offer(key, h, slot, mf.serial);
    }
    return slot;
  }

  /** The program of the last upcall that could not be cached (the megaflow cache was full). */
  private uncached: DpProgram | undefined;

  /** Tier 3: translates, installs the megaflow, returns its slot (-1 when not cached: see `uncached`). */
  private upcall(key: Int32Array, h: number): number {
    this.counters[C.UPCALLS]++;
    // The generation before translating: if `normal` changes the MAC table while deciding,
    // the entry is born stale and the next frame translates again.
    const gen = this.macGen;
    const program = this.translator.translate(key, this.env);
    const slot = this.megaflows.insert(key, this.translator.wc, program, program.normal ? gen : NO_MAC_DEPENDENCY, this.now);
    if (slot < 0) {
      this.uncached = program;
      return -1;
    }
    this.microflows.offer(key, h, slot, this.megaflows.serial);
    return slot;
  }

  private runSlot(slot: number, bytes: Uint8Array, offset: number, length: number): void {
    const mf = this.megaflows;
    mf.packets[slot]++;
    mf.bytes[slot] += length;
    mf.used[slot] = this.now;
    this.runProgram(mf.program[slot]!, bytes, offset, length);
  }

  private runProgram(p: DpProgram, bytes: Uint8Array, offset: number, length: number): void {
    const rs = p.ruleSlots;
    const stats = this.ruleStats;
    const now = this.now;
    for (let i = 0; i < rs.length; i++) {
      const s = rs[i] * STAT;
      stats[s]++;
      stats[s + 1] += length;
      stats[s + 2] = now;
    }
    const delivered = this.executor.run(p, bytes, offset, length);
    if (delivered > 0) this.counters[C.DELIVERED]++;
    else this.counters[C.DROPS + (this.executor.ttlExpired ? DropCode.TtlExceeded : p.dropCode)]++;
  }

  // ---- Inspection ----

  get stats(): FlowPipelineStats {
    const c = this.counters;
    const drops: Record<string, number> = {};
    DROP_REASONS.forEach((r, i) => {
      if (c[C.DROPS + i] > 0) drops[r] = c[C.DROPS + i];
    });
    let flows = 0;
    for (const t of this.tables) flows += t?.size ?? 0;
    return {
      frames: c[C.FRAMES],
      bytes: c[C.BYTES],
      delivered: c[C.DELIVERED],
      microflowHits: c[C.MICRO],
      megaflowHits: c[C.MEGA],
      upcalls: c[C.UPCALLS],
      masksPerHit: c[C.MEGA] > 0 ? this.megaflows.probes / c[C.MEGA] : 0,
      megaflows: this.megaflows.count,
      masks: this.megaflows.subtables.filter((s) => s.used > 0).length,
      flows,
      flushes: c[C.FLUSHES],
      invalidations: c[C.INVALIDATIONS],
      drops,
    };
  }

  /** `ovs-appctl dpctl/dump-flows`: the megaflows, one per line (stale ones left out). */
  dumpMegaflows(): string {
    const mf = this.megaflows;
    const lines: string[] = [];
    const value = new Int32Array(KEY_WORDS);
    mf.forEach((s) => {
      const g = mf.macGen[s];
      if (g !== NO_MAC_DEPENDENCY && g !== this.macGen) return;
      value.set(mf.value.subarray(s * KEY_WORDS, (s + 1) * KEY_WORDS));
      const used = mf.packets[s] === 0 ? 'never' : `${(Math.max(0, this.now - mf.used[s]) / 1000).toFixed(3)}s`;
      lines.push(
        `${formatMegaflowKey(value, mf.maskOf(s))}, packets:${mf.packets[s]}, bytes:${mf.bytes[s]}, used:${used}, actions:${mf.program[s]!.text}`,
      );
    });
    return lines.join('\n');
  }

  /** Bytes the megaflow cache's arrays take. */
  get megaflowMemory(): number {
    return this.megaflows.footprint;
  }
}

/** Whether a rule outputs to `port` (directly or through a group), for dump/del-flows' out_port. */
function outputsTo(actions: readonly FlowAction[], port: number, groups: ReadonlyMap<number, FlowGroup>): boolean {
  return actions.some(
    (a) =>
      (a.type === 'output' && a.port === port) ||
      (a.type === 'group' && (groups.get(a.group)?.buckets.some((b) => outputsTo(b.actions, port, groups)) ?? false)),
  );
}
