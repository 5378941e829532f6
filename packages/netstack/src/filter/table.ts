/**
 * `stack.filter`: a stateless packet filter after nftables' `inet filter` table — three
 * chains hooked where Linux hooks them (input: datagrams for this host, after reassembly;
 * forward: datagrams routed through it, after the TTL, route and MTU checks; output: datagrams
 * this host sends, before fragmentation), each an ordered list of rules and a policy.
 *
 * Cost: a chain with no rules and policy accept is skipped by one boolean test, and a chain in
 * use reads the datagram's bytes in place and allocates nothing (see `rule.ts`). There is no
 * connection tracking: a rule sees each datagram alone, as nft without `ct`.
 */
import { NetstackError } from '../errors.js';
import {
  ACCEPT,
  COUNTED,
  DROP,
  type FilterChainName,
  type FilterPolicy,
  FilterRule,
  type FilterRuleInfo,
  type FilterRuleSpec,
  NO_MATCH,
  normaliseRule,
} from './rule.js';

const CHAINS: readonly FilterChainName[] = ['input', 'forward', 'output'];

/** A chain's rules and policy, as `filter.chains()` reads them. */
export interface FilterChainInfo {
  name: FilterChainName;
  policy: FilterPolicy;
  /** nft's handle of the chain (the three chains are 1, 2 and 3). */
  handle: number;
  rules: FilterRuleInfo[];
}

/** @internal One chain, as the IPv4 paths consult it. */
export class FilterChain {
  readonly rules: FilterRule[] = [];
  policy: FilterPolicy = 'accept';
  /** Rules or a drop policy: when false, the hook is skipped. */
  active = false;

  constructor(
    readonly name: FilterChainName,
    readonly handle: number,
  ) {}

  /** The verdict on the datagram at `b[off, off + total)`: ACCEPT, DROP, or REJECT | ICMP code. Counts the rules that match. */
  evaluate(b: Uint8Array, off: number, total: number, iif: string | undefined, oif: string | undefined): number {
    const rules = this.rules;
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i].apply(b, off, total, iif, oif);
      if (r !== NO_MATCH && r !== COUNTED) return r;
    }
    return this.policy === 'accept' ? ACCEPT : DROP;
  }

  update(): void {
    this.active = this.rules.length > 0 || this.policy !== 'accept';
  }
}

export class FilterTable {
  /** @internal */
  readonly input = new FilterChain('input', 1);
  /** @internal */
  readonly forward = new FilterChain('forward', 2);
  /** @internal */
  readonly output = new FilterChain('output', 3);
  private nextHandle = 4;

  /** @internal */
  constructor(private readonly checkOpen: () => void) {}

  /**
   * `nft add rule inet filter CHAIN …`: appends a rule (or puts it right after the rule with
   * handle `after`). Returns the new rule's handle. Throws `bad-rule` for a rule that cannot work.
   */
  add(chain: FilterChainName, rule: FilterRuleSpec, after?: number): number {
    this.checkOpen();
    const c = this.chain(chain);
    const r = new FilterRule(this.nextHandle, chain, normaliseRule(chain, rule));
    const at = after === undefined ? c.rules.length : this.indexOf(c, after) + 1;
    this.nextHandle++;
    c.rules.splice(at, 0, r);
    c.update();
    return r.handle;
  }

  /** `nft insert rule inet filter CHAIN …`: puts a rule first (or right before the rule with handle `before`). */
  insert(chain: FilterChainName, rule: FilterRuleSpec, before?: number): number {
    this.checkOpen();
    const c = this.chain(chain);
    const r = new FilterRule(this.nextHandle, chain, normaliseRule(chain, rule));
    const at = before === undefined ? 0 : this.indexOf(c, before);
    this.nextHandle++;
    c.rules.splice(at, 0, r);
    c.update();
    return r.handle;
  }

  /** `nft delete rule inet filter CHAIN handle N`. Throws `no-such-rule`. */
  delete(chain: FilterChainName, handle: number): void {
    this.checkOpen();
    const c = this.chain(chain);
    c.rules.splice(this.indexOf(c, handle), 1);
    c.update();
  }

  /** `nft flush chain inet filter CHAIN`, or every chain: the rules go, the policies stay. */
  flush(chain?: FilterChainName): void {
    this.checkOpen();
    for (const c of chain === undefined ? this.all() : [this.chain(chain)]) {
      c.rules.length = 0;
      c.update();
    }
  }

  /** `nft flush ruleset`: no rules, every policy accept: a host that filters nothing. */
  reset(): void {
    this.checkOpen();
    for (const c of this.all()) {
      c.rules.length = 0;
      c.policy = 'accept';
      c.update();
    }
  }

  /** `nft add chain inet filter CHAIN { … policy drop; }`: what happens to datagrams no rule decided on. */
  setPolicy(chain: FilterChainName, policy: FilterPolicy): void {
    this.checkOpen();
    const c = this.chain(chain);
    if (policy !== 'accept' && policy !== 'drop') {
      throw new NetstackError('bad-rule', `the policy of chain ${chain} is accept or drop, not ${JSON.stringify(policy)}`);
    }
    c.policy = policy;
    c.update();
  }

  policy(chain: FilterChainName): FilterPolicy {
    return this.chain(chain).policy;
  }

  /** The rules of one chain (or of all, in chain order) with their counters. */
  rules(chain?: FilterChainName): FilterRuleInfo[] {
    return (chain === undefined ? this.all() : [this.chain(chain)]).flatMap((c) => c.rules.map((r) => r.readout()));
  }

  /** The rule with handle `handle`, with its counters. */
  rule(handle: number): FilterRuleInfo {
    for (const c of this.all()) for (const r of c.rules) if (r.handle === handle) return r.readout();
    throw new NetstackError('no-such-rule', `no filter rule has handle ${handle}; list() with { handles: true } shows them`);
  }

  chains(): FilterChainInfo[] {
    return this.all().map((c) => ({ name: c.name, policy: c.policy, handle: c.handle, rules: c.rules.map((r) => r.readout()) }));
  }

  /** Zeroes every rule's counters (`nft reset rules`). */
  resetCounters(): void {
    for (const c of this.all()) {
      for (const r of c.rules) {
        r.packets = 0;
        r.bytes = 0;
      }
    }
  }

  /**
   * The table as `nft list ruleset` prints it (`nft -a list ruleset` with `handles`), every rule
   * with its counter; `chain` prints that chain only, as `nft list chain inet filter CHAIN`.
   */
  list(opts: { handles?: boolean; chain?: FilterChainName } = {}): string {
    const h = (n: number) => (opts.handles ? ` # handle ${n}` : '');
    let out = `table inet filter {${h(1)}\n`;
    const chains = opts.chain === undefined ? this.all() : [this.chain(opts.chain)];
    chains.forEach((c, i) => {
      if (i > 0) out += '\n';
      out += `\tchain ${c.name} {${h(c.handle)}\n`;
      out += `\t\ttype filter hook ${c.name} priority filter; policy ${c.policy};\n`;
      for (const r of c.rules) out += `\t\t${r.text()}${h(r.handle)}\n`;
      out += '\t}\n';
    });
    return `${out}}\n`;
  }

  private all(): FilterChain[] {
    return [this.input, this.forward, this.output];
  }

  private chain(name: FilterChainName): FilterChain {
    switch (name) {
      case 'input':
        return this.input;
      case 'forward':
        return this.forward;
      case 'output':
        return this.output;
      default:
        throw new NetstackError('bad-rule', `there is no chain ${JSON.stringify(name)}; the filter has ${CHAINS.join(', ')}`);
    }
  }

  private indexOf(c: FilterChain, handle: number): number {
    const i = c.rules.findIndex((r) => r.handle === handle);
    if (i < 0) {
      throw new NetstackError('no-such-rule', `chain ${c.name} has no rule with handle ${handle}; list({ handles: true }) shows them`);
    }
    return i;
  }
}
