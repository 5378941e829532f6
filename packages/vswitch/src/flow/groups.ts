/**
 * OpenFlow groups, in ovs-ofctl's syntax:
 *   group_id=1,type=select,bucket=output:1,bucket=weight:50,actions=output:2
 *   group_id=2,type=ff,bucket=watch_port:1,output:1,bucket=watch_port:2,output:2
 * `all` runs every bucket on its own copy of the packet; `select` one bucket chosen by a hash of
 * the flow's addresses and ports (weighted, among buckets whose watch port is up); `indirect`
 * its one bucket; `ff` (fast failover) the first bucket whose watch port is up.
 */
import { SwitchError } from '../errors.js';
import { type FlowAction, formatActions, MAX_PORT, parseActions, splitTopLevel } from './actions.js';
import { badToken, parseUint } from './match.js';

export type GroupType = 'all' | 'select' | 'indirect' | 'ff';

export interface GroupBucketSpec {
  /** Share of select traffic (default 100). */
  weight?: number;
  /** The bucket is live only while this port is up (ff and select). */
  watchPort?: number;
  actions: string | readonly FlowAction[];
}

export interface GroupSpec {
  id: number;
  type: GroupType;
  buckets: readonly GroupBucketSpec[];
}

export interface GroupBucket {
  readonly weight: number;
  /** -1: always live. */
  readonly watchPort: number;
  readonly actions: readonly FlowAction[];
}

export interface FlowGroup {
  readonly id: number;
  readonly type: GroupType;
  readonly buckets: readonly GroupBucket[];
}

const TYPES: Record<string, GroupType> = { all: 'all', select: 'select', indirect: 'indirect', ff: 'ff', fast_failover: 'ff' };

export function parseGroup(text: string): FlowGroup {
  try {
    let id: number | undefined;
    let type: GroupType | undefined;
    const buckets: Array<{ weight?: number; watchPort?: number; actions: string[] }> = [];
    // Within a bucket, weight: and watch_port: come before its actions; after "actions=" all is actions.
    let inActions = false;
    for (const token of splitTopLevel(text.replace(/\s+/g, ','))) {
      const lower = token.toLowerCase();
      if (lower.startsWith('group_id=')) id = parseUint(token.slice(9), 0xffff_ff00, token, 'a group id');
      else if (lower.startsWith('type=')) {
        type = TYPES[lower.slice(5)];
        if (!type) throw badToken(token, 'a group type is all, select, indirect or ff');
      } else {
        const starts = lower.startsWith('bucket=');
        if (starts) {
          buckets.push({ actions: [] });
          inActions = false;
        }
        const b = buckets[buckets.length - 1];
        if (!b) throw badToken(token, 'expected group_id=, type= or bucket=');
        const part = starts ? token.slice(7) : token;
        const p = part.toLowerCase();
        if (!inActions && p.startsWith('weight:')) b.weight = parseUint(part.slice(7), 0xffff, token, 'a weight');
        else if (!inActions && p.startsWith('watch_port:')) b.watchPort = parseUint(part.slice(11), MAX_PORT, token, 'a port');
        else if (p.startsWith('actions=')) {
          inActions = true;
          b.actions.push(part.slice(8));
        } else b.actions.push(part);
      }
    }
    if (id === undefined) throw new SwitchError('bad-option', 'missing group_id=N');
    return groupFromSpec({
      id,
      type: type ?? 'all',
      buckets: buckets.map((b) => ({ weight: b.weight, watchPort: b.watchPort, actions: b.actions.join(',') })),
    });
  } catch (e) {
    if (e instanceof SwitchError) throw new SwitchError(e.code, `group "${text}": ${e.message}`);
    throw e;
  }
}

export function groupFromSpec(spec: GroupSpec): FlowGroup {
  const type = TYPES[spec.type];
  if (!type) throw new SwitchError('bad-option', `group ${spec.id}: a group type is all, select, indirect or ff, not ${String(spec.type)}`);
  if (!Number.isInteger(spec.id) || spec.id < 0 || spec.id > 0xffff_ff00)
    throw new SwitchError('bad-option', `group id ${spec.id} is not 0-4294967040`);
  if (type === 'indirect' && spec.buckets.length !== 1)
    throw new SwitchError('bad-option', `group ${spec.id}: an indirect group has exactly one bucket`);
  const buckets = spec.buckets.map((b, i): GroupBucket => {
    const actions = typeof b.actions === 'string' ? parseActions(b.actions) : [...b.actions];
    for (const a of actions) {
      if (a.type === 'goto_table' || a.type === 'group') {
        throw new SwitchError('bad-option', `group ${spec.id} bucket ${i + 1}: ${a.type} is not allowed inside a bucket`);
      }
    }
    const weight = b.weight ?? 100;
    if (!Number.isInteger(weight) || weight < 0 || weight > 0xffff)
      throw new SwitchError('bad-option', `group ${spec.id} bucket ${i + 1}: weight 0-65535`);
    return { weight, watchPort: b.watchPort ?? -1, actions };
  });
  return { id: spec.id, type, buckets };
}

/** As `ovs-ofctl dump-groups` prints a group. */
export function formatGroup(g: FlowGroup): string {
  let s = `group_id=${g.id},type=${g.type}`;
  for (const b of g.buckets) {
    s += ',bucket=';
    if (g.type === 'select') s += `weight:${b.weight},`;
    if (b.watchPort >= 0) s += `watch_port:${b.watchPort},`;
    s += `actions=${formatActions(b.actions)}`;
  }
  return s;
}
