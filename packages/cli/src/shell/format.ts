import type { PingAllResult } from '@vnet/topology';
import pc from 'picocolors';

/** Mininet's `*** …` progress line. */
export function info(text: string): string {
  return `${pc.bold(`*** ${text}`)}\n`;
}

/** The body of `pingall`: one line per source host, then the totals. */
export function formatPingAll(r: PingAllResult, hosts: string[]): string {
  let out = '';
  for (const source of hosts) {
    const row = r.results.filter((x) => x.source === source);
    out += `${source} -> ${row.map((x) => (x.received ? x.target : pc.red('X'))).join(' ')} \n`;
  }
  const summary = `Results: ${r.dropped}% dropped (${r.received}/${r.sent} received)`;
  return out + info(r.dropped === 0 ? summary : pc.red(summary));
}

/** `pingallfull`: round trips per pair, as Mininet prints them. */
export function formatPingAllFull(r: PingAllResult): string {
  let out = '';
  for (const x of r.results) {
    const rtt = x.rtt ?? 0;
    out += x.received
      ? ` ${x.source}->${x.target}: 1/1, rtt min/avg/max/mdev ${rtt.toFixed(3)}/${rtt.toFixed(3)}/${rtt.toFixed(3)}/0.000 ms\n`
      : ` ${x.source}->${x.target}: 1/0, rtt min/avg/max/mdev 0.000/0.000/0.000/0.000 ms\n`;
  }
  const summary = `Results: ${r.dropped}% dropped (${r.received}/${r.sent} received)`;
  return out + info(summary);
}
