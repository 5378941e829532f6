/** `ss` (iproute2): the host's TCP sockets, `-t`/`-a`/`-n`/`-l` as the original takes them. */
import { formatIpv4 } from '@vnet/frame';
import type { Stack } from '@vnet/netstack';
import { usage } from './args.js';

/** `ss [-tanl]`: established connections by default, listeners with -l, both with -a. */
export function ss(stack: Stack, args: string[]): string {
  const flags = new Set(args.flatMap((a) => (a.startsWith('-') ? [...a.slice(1)] : [a])));
  for (const f of flags) if (!'tanlpe'.includes(f)) throw usage('ss', `invalid option -- '${f}'; usage: ss [-t] [-a] [-n] [-l]`);
  const all = flags.has('a');
  const listening = flags.has('l');
  const rows = stack.tcp.connections().filter((c) => (all ? true : listening ? c.state === 'LISTEN' : c.state !== 'LISTEN'));
  const addr = (a: number, p: number) => `${a === 0 ? '0.0.0.0' : formatIpv4(a >>> 0)}:${p === 0 ? '*' : p}`;
  const lines = rows.map((c) => {
    const state =
      c.state === 'LISTEN' ? 'LISTEN' : c.state.replace('_', '-').replace('ESTABLISHED', 'ESTAB').replace('SYN-RECEIVED', 'SYN-RECV');
    return `${state.padEnd(10)} ${String(c.receiveQueue).padStart(6)} ${String(c.sendQueue).padStart(6)} ${addr(c.localAddress, c.localPort).padEnd(22)} ${addr(c.remoteAddress, c.remotePort)}`;
  });
  return `${'State'.padEnd(10)} ${'Recv-Q'.padStart(6)} ${'Send-Q'.padStart(6)} ${'Local Address:Port'.padEnd(22)} Peer Address:Port\n${lines.map((l) => `${l}\n`).join('')}`;
}
