/**
 * A switch's flow-table commands, named and printed as ovs-ofctl's (`s1 add-flow …`,
 * `s1 dump-flows`) and ovs-appctl's (`s1 dump-megaflows` for dpctl/dump-flows). The CLI's
 * `dpctl CMD` runs one of them on every switch, as Mininet's does.
 */
import type { FlowPipeline } from '@vnet/vswitch';
import { TopologyError } from '../errors.js';

export const FLOW_COMMANDS = [
  'dump-flows [FILTER]',
  'add-flow FLOW',
  'del-flows [--strict] [FILTER]',
  'dump-megaflows',
  'del-megaflows',
  'dump-groups',
  'add-group GROUP',
  'mod-group GROUP',
  'del-groups [group_id=N]',
] as const;

/** The output of flow command `cmd` with argument text `rest`, or undefined when `cmd` is not one. */
export function flowCommand(flows: FlowPipeline, switchName: string, cmd: string, rest: string): string | undefined {
  const arg = unquote(rest);
  switch (cmd) {
    case 'dump-flows':
      return lines(flows.dumpFlows(arg));
    case 'add-flow':
      flows.addFlow(required(arg, switchName, 'add-flow', 'priority=100,ip,nw_dst=10.0.0.2,actions=output:2'));
      return '';
    case 'del-flows': {
      const strict = /^--strict\b/.test(arg);
      flows.deleteFlows(unquote(strict ? arg.slice('--strict'.length) : arg), { strict });
      return '';
    }
    case 'dump-megaflows':
      return lines(flows.dumpMegaflows());
    case 'del-megaflows':
      flows.flushCaches();
      return '';
    case 'dump-groups':
      return lines(flows.dumpGroups());
    case 'add-group':
      flows.addGroup(required(arg, switchName, 'add-group', 'group_id=1,type=select,bucket=output:1,bucket=output:2'));
      return '';
    case 'mod-group':
      flows.modGroup(required(arg, switchName, 'mod-group', 'group_id=1,type=select,bucket=output:1'));
      return '';
    case 'del-groups': {
      if (!arg) {
        flows.deleteGroups();
        return '';
      }
      const m = /^group_id=(\d+)$/.exec(arg);
      if (!m) throw new TopologyError('bad-option', `${switchName}: del-groups takes nothing or group_id=N, not "${arg}"`);
      flows.deleteGroups(Number(m[1]));
      return '';
    }
    default:
      return undefined;
  }
}

/** The pipeline's counters in a line each, for the switch's `stats`. */
export function flowStatsText(flows: FlowPipeline): string {
  const s = flows.stats;
  const drops = Object.entries(s.drops)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return (
    `  flows: ${s.flows} flows, ${s.megaflows} megaflows in ${s.masks} masks, frames=${s.frames} delivered=${s.delivered}\n` +
    `  cache: microflow hits=${s.microflowHits} megaflow hits=${s.megaflowHits} upcalls=${s.upcalls} flushes=${s.flushes}${drops ? `, drops ${drops}` : ''}\n`
  );
}

/** Dump text ending in a newline unless empty, as a command's output should. */
function lines(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

function unquote(text: string): string {
  const t = text.trim();
  return /^(["']).*\1$/.test(t) ? t.slice(1, -1).trim() : t;
}

function required(arg: string, switchName: string, cmd: string, example: string): string {
  if (!arg) throw new TopologyError('bad-option', `${switchName}: ${cmd} needs an argument, for example: ${cmd} ${example}`);
  return arg;
}
