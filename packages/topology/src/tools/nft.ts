/**
 * `nft`: the subset of nftables that maps onto a vnet host's stateless filter (`stack.filter`):
 * one table, `inet filter`, with the chains input, forward and output; rules matching
 * interfaces, addresses, protocol, ports and ICMP type, with counters; policies; listing.
 *
 *   nft add rule inet filter input tcp dport 22 drop
 *   nft insert rule inet filter forward ip saddr 10.0.1.0/24 icmp type echo-request reject
 *   nft add chain inet filter input '{ type filter hook input priority 0; policy drop; }'
 *   nft -a list ruleset · nft delete rule inet filter input handle 4 · nft flush ruleset
 */
import { type FilterChainName, type FilterRuleSpec, NetstackError, type RejectWith, type Stack } from '@vnet/netstack';
import { splitWords, usage } from './args.js';

const USAGE = [
  'usage: nft [-a] list ruleset | list table inet filter | list chain inet filter CHAIN',
  '       nft add|insert rule inet filter CHAIN [position HANDLE] MATCH… [counter] [accept|drop|reject [with icmp type TYPE]|continue]',
  '       nft delete rule inet filter CHAIN handle HANDLE',
  "       nft add chain inet filter CHAIN '{ type filter hook CHAIN priority 0; policy accept|drop; }'",
  '       nft flush ruleset | flush table inet filter | flush chain inet filter CHAIN | reset rules',
  'CHAIN is input, forward or output. MATCH is iifname NAME, oifname NAME, ip saddr|daddr ADDR[/LEN],',
  'ip protocol icmp|tcp|udp|N, tcp|udp sport|dport PORT[-PORT], icmp type TYPE, meta l4proto PROTO.',
].join('\n');

const CHAINS = new Set<string>(['input', 'forward', 'output']);

/** `nft …` on a host: returns what nft prints; usage errors come back as TopologyErrors. */
export function nft(stack: Stack, args: string[]): string {
  try {
    return run(stack, args);
  } catch (e) {
    // The stack's own complaint about a rule says what to change: pass it on as nft's.
    if (e instanceof NetstackError) throw usage('nft', e.message);
    throw e;
  }
}

function run(stack: Stack, args: string[]): string {
  // nft also takes the whole command as one argument: nft 'add rule inet filter input tcp dport 22 drop'.
  const words = args.length === 1 && args[0].includes(' ') ? splitWords(args[0]) : [...args];
  let handles = false;
  while (words[0]?.startsWith('-')) {
    const flag = words.shift()!;
    if (flag === '-a' || flag === '--handle') handles = true;
    else if (flag === '-h' || flag === '--help') return `${USAGE}\n`;
    else if (flag !== '-n' && flag !== '--numeric' && flag !== '-c' && flag !== '--check')
      throw usage('nft', `unknown option '${flag}'\n${USAGE}`);
  }
  const [command, object, ...rest] = words;
  if (command === undefined) throw usage('nft', `no command given\n${USAGE}`);
  const filter = stack.filter;
  switch (`${command} ${object ?? ''}`.trim()) {
    case 'list ruleset':
      return filter.list({ handles });
    case 'list tables':
      return 'table inet filter\n';
    case 'list table':
      table(rest, 0);
      return filter.list({ handles });
    case 'list chain':
      return filter.list({ handles, chain: chainAt(rest) });
    case 'list chains': {
      const chains = filter
        .chains()
        .map((c) => `\tchain ${c.name} {\n\t\ttype filter hook ${c.name} priority filter; policy ${c.policy};\n\t}\n`);
      return `table inet filter {\n${chains.join('')}}\n`;
    }
    case 'flush ruleset':
      filter.reset();
      return '';
    case 'flush table':
      table(rest, 0);
      filter.flush();
      return '';
    case 'flush chain':
      filter.flush(chainAt(rest));
      return '';
    case 'reset rules':
    case 'reset counters':
      filter.resetCounters();
      return '';
    case 'add table':
    case 'create table':
      // The one table exists from the start.
      table(rest, 0);
      return '';
    case 'add chain':
    case 'create chain': {
      const chain = chainAt(rest);
      const body = rest.slice(chainIndex(rest) + 1).join(' ');
      if (body !== '') {
        const policy = /\bpolicy\s+(\w+)\s*;?/.exec(body);
        const hook = /\bhook\s+(\w+)/.exec(body);
        if (hook && hook[1] !== chain) {
          throw usage(
            'nft',
            `chain ${chain} is on hook ${chain}, not ${hook[1]}; vnet's chains are input, forward and output on their own hooks`,
          );
        }
        if (policy) {
          if (policy[1] !== 'accept' && policy[1] !== 'drop') throw usage('nft', `policy is accept or drop, not ${policy[1]}`);
          filter.setPolicy(chain, policy[1]);
        }
      }
      return '';
    }
    case 'add rule':
    case 'insert rule': {
      const chain = chainAt(rest);
      let expr = rest.slice(chainIndex(rest) + 1);
      let position: number | undefined;
      if (expr[0] === 'position' || expr[0] === 'handle') {
        position = handleOf(expr[1]);
        expr = expr.slice(2);
      }
      const spec = parseRule(expr);
      if (command === 'add') filter.add(chain, spec, position);
      else filter.insert(chain, spec, position);
      return '';
    }
    case 'delete rule': {
      const chain = chainAt(rest);
      const expr = rest.slice(chainIndex(rest) + 1);
      if (expr[0] !== 'handle' || expr.length !== 2)
        throw usage('nft', 'usage: nft delete rule inet filter CHAIN handle HANDLE (nft -a list ruleset shows the handles)');
      filter.delete(chain, handleOf(expr[1]));
      return '';
    }
    case 'delete table':
      table(rest, 0);
      filter.reset();
      return '';
    default:
      throw usage('nft', `"${[command, object].filter(Boolean).join(' ')}" is not something a vnet host's nft does\n${USAGE}`);
  }
}

/** Where the table name is in `[FAMILY] TABLE …`, checking both; returns the index after the table. */
function table(words: string[], at: number): number {
  let i = at;
  const family = words[i];
  if (family === 'inet' || family === 'ip') i++;
  else if (family === 'ip6' || family === 'arp' || family === 'bridge' || family === 'netdev') {
    throw usage('nft', `family ${family} is not filtered on a vnet host: its filter is IPv4, as table inet filter (or ip filter)`);
  }
  const name = words[i];
  if (name === undefined) throw usage('nft', `a table is missing: write inet filter\n${USAGE}`);
  if (name !== 'filter') throw usage('nft', `No such table: ${name}; a vnet host has one table, inet filter`);
  return i + 1;
}

function chainIndex(words: string[]): number {
  return table(words, 0);
}

function chainAt(words: string[]): FilterChainName {
  const name = words[chainIndex(words)];
  if (name === undefined) throw usage('nft', `a chain is missing: input, forward or output\n${USAGE}`);
  if (!CHAINS.has(name)) throw usage('nft', `No such chain: ${name}; table inet filter has input, forward and output`);
  return name as FilterChainName;
}

function handleOf(text: string | undefined): number {
  const n = Number(text);
  if (text === undefined || !Number.isInteger(n) || n < 1)
    throw usage('nft', `a handle is a number (nft -a list ruleset shows them), not ${text ?? 'nothing'}`);
  return n;
}

/** The words of an nft rule (after the chain) as a FilterRuleSpec. */
export function parseRule(words: string[]): FilterRuleSpec {
  const spec: Partial<FilterRuleSpec> & { verdict?: FilterRuleSpec['verdict'] } = {};
  const set = <K extends keyof FilterRuleSpec>(key: K, value: FilterRuleSpec[K], what: string) => {
    if (spec[key] !== undefined && spec[key] !== value) throw usage('nft', `${what} is given twice in one rule; write one rule for each`);
    spec[key] = value;
  };
  const value = (i: number, what: string): string => {
    const v = words[i];
    if (v === undefined) throw usage('nft', `${what} needs a value`);
    if (v === '!=' || v.startsWith('!'))
      throw usage('nft', `negation (${what} != …) is not supported; accept the exceptions in a rule before this one`);
    if (v === '{' || v.startsWith('{')) throw usage('nft', `sets ({ a, b }) are not supported; write one rule for each value`);
    if (v === '==' || v === 'eq') return value(i + 1, what);
    return v;
  };
  const protocol = (p: string): FilterRuleSpec['protocol'] =>
    p === 'icmp' || p === 'tcp' || p === 'udp' ? p : /^\d{1,3}$/.test(p) ? Number(p) : badProtocol(p);
  let i = 0;
  // Each match advances i past its words; `==` before a value is allowed and skipped.
  const skipEq = (at: number) => (words[at] === '==' || words[at] === 'eq' ? at + 1 : at);
  while (i < words.length) {
    const w = words[i];
    switch (w) {
      case 'iifname':
      case 'oifname':
        set(w, value(i + 1, w), w);
        i = skipEq(i + 1) + 1;
        break;
      case 'meta': {
        const key = words[i + 1];
        if (key === 'iifname' || key === 'oifname') set(key, value(i + 2, `meta ${key}`), key);
        else if (key === 'l4proto' || key === 'protocol') set('protocol', protocol(value(i + 2, `meta ${key}`)), 'the protocol');
        else throw usage('nft', `meta ${key ?? ''} is not supported; use meta iifname, meta oifname or meta l4proto`);
        i = skipEq(i + 2) + 1;
        break;
      }
      case 'ip': {
        const key = words[i + 1];
        if (key === 'saddr' || key === 'daddr') set(key, value(i + 2, `ip ${key}`), `ip ${key}`);
        else if (key === 'protocol') set('protocol', protocol(value(i + 2, 'ip protocol')), 'the protocol');
        else throw usage('nft', `ip ${key ?? ''} is not supported; use ip saddr, ip daddr or ip protocol`);
        i = skipEq(i + 2) + 1;
        break;
      }
      case 'tcp':
      case 'udp': {
        const key = words[i + 1];
        if (key !== 'sport' && key !== 'dport') throw usage('nft', `${w} ${key ?? ''} is not supported; use ${w} sport or ${w} dport`);
        set('protocol', w, 'the protocol');
        set(key, value(i + 2, `${w} ${key}`), `${w} ${key}`);
        i = skipEq(i + 2) + 1;
        break;
      }
      case 'icmp': {
        if (words[i + 1] !== 'type') throw usage('nft', `icmp ${words[i + 1] ?? ''} is not supported; use icmp type TYPE`);
        const t = value(i + 2, 'icmp type');
        set('icmpType', /^\d{1,3}$/.test(t) ? Number(t) : (t as FilterRuleSpec['icmpType']), 'icmp type');
        i = skipEq(i + 2) + 1;
        break;
      }
      case 'counter':
        // Every rule counts; `counter packets N bytes M` as listed is taken too.
        i++;
        if (words[i] === 'packets') i += 2;
        if (words[i] === 'bytes') i += 2;
        break;
      case 'accept':
      case 'drop':
      case 'continue':
        set('verdict', w, 'a verdict');
        i++;
        break;
      case 'reject': {
        set('verdict', 'reject', 'a verdict');
        i++;
        if (words[i] === 'with') {
          const kind = words[i + 1];
          if (kind === 'tcp') throw usage('nft', 'reject with tcp reset is not supported; reject with an ICMP type, or drop');
          if (kind !== 'icmp' && kind !== 'icmpx') throw usage('nft', `reject with ${kind ?? ''}: write reject with icmp type TYPE`);
          i += 2;
          if (words[i] === 'type') i++;
          const t = words[i];
          if (t === undefined) throw usage('nft', 'reject with icmp type needs a type, such as admin-prohibited or port-unreachable');
          spec.rejectWith = (t === 'no-route' ? 'net-unreachable' : t) as RejectWith;
          i++;
        }
        break;
      }
      case 'comment':
        set('comment', value(i + 1, 'comment'), 'comment');
        i += 2;
        break;
      case 'ct':
        throw usage(
          'nft',
          'ct (connection tracking) is not supported: the vnet filter is stateless; match the reply direction with its own rule',
        );
      case 'jump':
      case 'goto':
      case 'return':
        throw usage('nft', `${w} is not supported: the vnet filter has the three base chains only`);
      default:
        throw usage('nft', `syntax error, unexpected ${w}\n${USAGE}`);
    }
  }
  // A rule with no verdict only counts, as in nft.
  return { ...spec, verdict: spec.verdict ?? 'continue' } as FilterRuleSpec;
}

function badProtocol(p: string): never {
  throw usage('nft', `protocol ${p} is not known here; use icmp, tcp, udp or a number 0-255`);
}
