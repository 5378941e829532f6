/** `ip` (iproute2): addr, link, route and neigh, with the output format users know. */
import type { InterfaceInfo, Stack } from '@vnet/netstack';
import { usage } from './args.js';

function linkLines(i: InterfaceInfo): string {
  const mtu = i.mtu;
  const head = `${i.index}: ${i.name}: <${i.flags.join(',')}> mtu ${mtu} qdisc noqueue state ${i.state} group default qlen 1000\n`;
  const link = i.loopback
    ? '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n'
    : `    link/ether ${i.mac} brd ff:ff:ff:ff:ff:ff\n`;
  return head + link;
}

function addrLines(i: InterfaceInfo): string {
  let out = linkLines(i);
  for (const a of i.addresses) {
    out += `    inet ${a.cidr}${a.broadcast ? ` brd ${a.broadcast}` : ''} scope ${a.scope} ${i.name}\n`;
    out += '       valid_lft forever preferred_lft forever\n';
  }
  return out;
}

function pick(stack: Stack, args: string[]): InterfaceInfo[] {
  const devAt = args.indexOf('dev');
  const name = devAt >= 0 ? args[devAt + 1] : args.find((a) => a !== 'show' && a !== 'list');
  const all = stack.interfaces();
  if (!name) return all;
  const i = all.find((x) => x.name === name);
  if (!i) throw usage('ip', `Device "${name}" does not exist.`);
  return [i];
}

/** `ip [addr|link|route|neigh] …`; object names may be abbreviated as iproute2 allows. */
export function ip(stack: Stack, args: string[]): string {
  const [object = 'help', verb = 'show', ...rest] = args;
  const is = (full: string, min: number) => object.length >= min && full.startsWith(object);
  if (is('address', 1)) {
    if (verb === 'add' || verb === 'del' || verb === 'delete') {
      const cidr = rest[0];
      const dev = rest[rest.indexOf('dev') + 1];
      if (!cidr || rest.indexOf('dev') < 0 || !dev) throw usage('ip', `usage: ip addr ${verb} CIDR dev DEVICE`);
      if (verb === 'add') stack.addAddress(dev, cidr);
      else stack.removeAddress(dev, cidr);
      return '';
    }
    return pick(
      stack,
      [verb, ...rest].filter((a) => a !== 'show'),
    )
      .map(addrLines)
      .join('');
  }
  if (is('link', 1)) {
    if (verb === 'set') {
      const dev = rest[0] === 'dev' ? rest[1] : rest[0];
      const state = rest.find((a) => a === 'up' || a === 'down');
      if (!dev || !state) throw usage('ip', 'usage: ip link set [dev] DEVICE up|down');
      stack.setInterfaceUp(dev, state === 'up');
      return '';
    }
    return pick(
      stack,
      [verb, ...rest].filter((a) => a !== 'show'),
    )
      .map(linkLines)
      .join('');
  }
  if (is('route', 1)) return route(stack, verb, rest);
  if (is('neighbour', 1) || is('neighbor', 1)) {
    return stack.arp
      .entries()
      .map((n) => `${n.ip} dev ${n.dev}${n.mac ? ` lladdr ${n.mac}` : ''} ${n.state}\n`)
      .join('');
  }
  throw usage('ip', `Object "${object}" is unknown, try "ip addr", "ip link", "ip route" or "ip neigh".`);
}

function route(stack: Stack, verb: string, rest: string[]): string {
  const opt = (name: string) => {
    const at = rest.indexOf(name);
    return at >= 0 ? rest[at + 1] : undefined;
  };
  if (verb === 'show' || verb === 'list') {
    return stack.routes
      .list()
      .map((r) => {
        let line = r.dst;
        if (r.via) line += ` via ${r.via}`;
        line += ` dev ${r.dev}`;
        if (r.proto === 'kernel' || r.proto === 'redirect') line += ` proto ${r.proto}`;
        if (r.scope === 'link') line += ' scope link';
        if (r.src) line += ` src ${r.src}`;
        if (r.metric) line += ` metric ${r.metric}`;
        if (r.linkdown) line += ' linkdown';
        return `${line} \n`;
      })
      .join('');
  }
  if (verb === 'add' || verb === 'del' || verb === 'delete' || verb === 'replace') {
    const dst = rest[0];
    if (!dst) throw usage('ip', `usage: ip route ${verb} DST [via GATEWAY] [dev DEVICE] [metric N]`);
    const via = opt('via');
    const dev = opt('dev');
    const metric = opt('metric');
    const spec = {
      dst: dst === 'default' ? '0.0.0.0/0' : dst,
      ...(via ? { via } : {}),
      ...(dev ? { dev } : {}),
      ...(metric ? { metric: Number(metric) } : {}),
    };
    if (verb === 'add') stack.routes.add(spec);
    else if (verb === 'replace') {
      stack.routes.delete({ dst: spec.dst });
      stack.routes.add(spec);
    } else stack.routes.delete(spec);
    return '';
  }
  if (verb === 'flush') {
    // Routes learned from ICMP redirects are the cache.
    if (rest[0] !== 'cache') throw usage('ip', 'usage: ip route flush cache');
    stack.routes.flushCache();
    return '';
  }
  if (verb === 'get') {
    const r = stack.routes.lookup(rest[0] ?? '');
    if (!r) throw usage('ip', 'RTNETLINK answers: Network is unreachable');
    const local = r.type === 'local' ? 'local ' : r.type === 'broadcast' ? 'broadcast ' : '';
    return `${local}${r.dst}${r.via ? ` via ${r.via}` : ''} dev ${r.dev} src ${r.src} uid 0 \n    cache \n`;
  }
  throw usage('ip', `Command "${verb}" is unknown, try "ip route help".`);
}
