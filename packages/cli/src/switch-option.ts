import type { SwitchOptions } from '@vnet/topology';
import { CliError } from './errors.js';

/**
 * Mininet's switch names: every one is vnet's switch (an OVS-style learning switch), so that
 * `--switch ovsk,stp=1` works as typed for Mininet.
 */
const KINDS = ['learning', 'default', 'ovs', 'ovsk', 'ovsbr', 'lxbr'];

/**
 * Parses `--switch`: a switch kind and options, `learning,stp=1`. `stp=1` runs 802.1D (as
 * Mininet's OVS and Linux bridges do), `rstp=1` 802.1w; `priority=N` sets the bridge priority.
 */
export function parseSwitchOption(text: string): SwitchOptions {
  const [kind, ...rest] = text.split(',').map((s) => s.trim());
  if (!KINDS.includes(kind)) throw new CliError(`--switch: unknown switch "${kind}"; use ${KINDS.join(', ')} (all are vnet's switch)`, 2);
  const out: SwitchOptions = {};
  for (const part of rest) {
    const [name, value = ''] = part.split('=', 2);
    const on = value === '1' || value === 'true';
    if (!on && value !== '0' && value !== 'false' && (name === 'stp' || name === 'rstp')) {
      throw new CliError(`--switch: ${part}: ${name} is 1 or 0`, 2);
    }
    if (name === 'stp' || name === 'rstp') out.stp = on && name;
    else if (name === 'priority' && /^\d+$/.test(value) && Number(value) <= 0xffff) out.stpPriority = Number(value);
    else if (name === 'priority') throw new CliError(`--switch: ${part}: the bridge priority is an integer in 0-65535`, 2);
    else throw new CliError(`--switch: "${part}" is not an option; use stp=1, rstp=1 or priority=N`, 2);
  }
  return out;
}
