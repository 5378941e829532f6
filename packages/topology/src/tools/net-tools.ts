/** The net-tools trio Mininet users still type: `ifconfig`, `arp -n`, `route -n`. */
import { formatIpv4, parseIpv4Cidr } from '@vnet/frame';
import type { InterfaceInfo, Stack } from '@vnet/netstack';
import { usage } from './args.js';

const IFF: Record<string, number> = { UP: 0x1, BROADCAST: 0x2, LOOPBACK: 0x8, RUNNING: 0x40, MULTICAST: 0x1000 };

function bytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${n} (${v.toFixed(1)} ${units[u]})`;
}

function ifconfigBlock(i: InterfaceInfo): string {
  const names = ['UP', 'BROADCAST', 'LOOPBACK', 'RUNNING', 'MULTICAST'].filter((f) =>
    f === 'UP' ? i.up : f === 'RUNNING' ? i.running : f === 'LOOPBACK' ? i.loopback : !i.loopback,
  );
  const value = names.reduce((v, f) => v | IFF[f], 0);
  let out = `${i.name}: flags=${value}<${names.join(',')}>  mtu ${i.mtu}\n`;
  for (const a of i.addresses) {
    const mask = formatIpv4(parseIpv4Cidr(a.cidr).mask);
    out += `        inet ${a.address}  netmask ${mask}${a.broadcast ? `  broadcast ${a.broadcast}` : ''}\n`;
  }
  out += i.loopback ? '        loop  txqueuelen 1000  (Local Loopback)\n' : `        ether ${i.mac}  txqueuelen 1000  (Ethernet)\n`;
  const s = i.stats;
  out += `        RX packets ${s.rxPackets}  bytes ${bytes(s.rxBytes)}\n`;
  out += `        RX errors ${s.rxErrors}  dropped ${s.rxDropped}  overruns 0  frame 0\n`;
  out += `        TX packets ${s.txPackets}  bytes ${bytes(s.txBytes)}\n`;
  out += `        TX errors ${s.txErrors}  dropped ${s.txDropped} overruns 0  carrier 0  collisions 0\n\n`;
  return out;
}

/** `ifconfig [-a] [interface] [up|down]`. */
export function ifconfig(stack: Stack, args: string[]): string {
  const all = args.includes('-a');
  const rest = args.filter((a) => a !== '-a');
  if (rest.length === 0)
    return stack
      .interfaces()
      .filter((i) => all || i.up)
      .map(ifconfigBlock)
      .join('');
  const i = stack.interfaces().find((x) => x.name === rest[0]);
  if (!i) throw usage('ifconfig', `${rest[0]}: error fetching interface information: Device not found`);
  if (rest[1] === 'up' || rest[1] === 'down') {
    stack.setInterfaceUp(i.name, rest[1] === 'up');
    return '';
  }
  return ifconfigBlock(i);
}

/** `arp [-n]`: the neighbour cache as net-tools prints it. */
export function arp(stack: Stack, args: string[]): string {
  if (args.some((a) => a !== '-n' && a !== '-a')) throw usage('arp', 'usage: arp [-n]');
  let out = `${'Address'.padEnd(25)}${'HWtype'.padEnd(8)}${'HWaddress'.padEnd(20)}${'Flags Mask'.padEnd(16)}Iface\n`;
  for (const n of stack.arp.entries()) {
    const flags = n.state === 'PERMANENT' ? 'CM' : 'C';
    out += n.mac
      ? `${n.ip.padEnd(25)}${'ether'.padEnd(8)}${n.mac.padEnd(20)}${flags.padEnd(16)}${n.dev}\n`
      : `${n.ip.padEnd(25)}${''.padEnd(8)}${'(incomplete)'.padEnd(20)}${''.padEnd(16)}${n.dev}\n`;
  }
  return out;
}

/** `route [-n]`: the routing table as net-tools prints it. */
export function route(stack: Stack, args: string[]): string {
  if (args.some((a) => a !== '-n')) throw usage('route', 'usage: route [-n]');
  let out = 'Kernel IP routing table\nDestination     Gateway         Genmask         Flags Metric Ref    Use Iface\n';
  for (const r of stack.routes.list()) {
    const c = parseIpv4Cidr(r.dst === 'default' ? '0.0.0.0/0' : r.dst);
    const flags = `U${r.via ? 'G' : ''}${c.length === 32 ? 'H' : ''}`;
    out += `${formatIpv4(c.network).padEnd(16)}${(r.via ?? '0.0.0.0').padEnd(16)}${formatIpv4(c.mask).padEnd(16)}${flags.padEnd(6)}${String(r.metric).padEnd(7)}0        0 ${r.dev}\n`;
  }
  return out;
}
