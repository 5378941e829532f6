import { FlowKeyWord as W } from '@vnet/frame';
import { describe, expect, it } from 'vitest';
import { formatActions, formatMatch, parseActions, parseFlow, parseFlowFilter, parseGroup, SwitchError } from '../src/index.js';

/** Parses a flow and prints its match back the way dump-flows does. */
const roundTrip = (text: string) => {
  const f = parseFlow(`${text} actions=drop`);
  return formatMatch(f.match, f.priority);
};

const badOption = (f: () => unknown, token: string) => {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(SwitchError);
  expect((err as SwitchError).code).toBe('bad-option');
  expect((err as SwitchError).message).toContain(token);
};

describe('ovs-ofctl flow syntax', () => {
  it('reads the issue example', () => {
    const f = parseFlow('priority=100,ip,nw_dst=10.0.0.2,actions=output:2');
    expect(f.priority).toBe(100);
    expect(f.table).toBe(0);
    expect(f.match.value[W.ETH_TYPE]).toBe(0x0800);
    expect(f.match.value[W.NW_DST] >>> 0).toBe(0x0a000002);
    expect(f.match.mask[W.NW_DST]).toBe(-1);
    expect(f.actions).toEqual([{ type: 'output', port: 2 }]);
  });

  it('takes commas or white space between fields, and header fields anywhere before actions', () => {
    const a = parseFlow('table=1 cookie=0x2a idle_timeout=10 hard_timeout=30 priority=7 tcp tp_dst=80 actions=normal');
    expect([a.table, a.cookie, a.idleTimeout, a.hardTimeout, a.priority]).toEqual([1, 0x2an, 10, 30, 7]);
    expect(formatMatch(a.match, a.priority)).toBe('priority=7,tcp,tp_dst=80');
    expect(parseFlow('tcp,tp_dst=80,priority=7,actions=normal').priority).toBe(7);
  });

  it('defaults to priority 32768, which dump-flows leaves out', () => {
    const f = parseFlow('actions=drop');
    expect(f.priority).toBe(32768);
    expect(formatMatch(f.match, f.priority)).toBe('');
    expect(f.actions).toEqual([]);
  });

  it.each([
    ['in_port=3', 'in_port=3'],
    ['dl_src=00:00:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff', 'dl_src=00:00:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff'],
    ['dl_dst=01:00:00:00:00:00/01:00:00:00:00:00', 'dl_dst=01:00:00:00:00:00/01:00:00:00:00:00'],
    ['dl_type=0x88cc', 'dl_type=0x88cc'],
    ['dl_type=0x0800', 'ip'],
    ['dl_type=0x0806', 'arp'],
    ['dl_type=0x86dd', 'ipv6'],
    ['dl_vlan=10', 'dl_vlan=10'],
    ['dl_vlan=10,dl_vlan_pcp=5', 'dl_vlan=10,dl_vlan_pcp=5'],
    ['dl_vlan=0xffff', 'vlan_tci=0x0000'],
    ['vlan_tci=0x1000/0x1000', 'vlan_tci=0x1000/0x1000'],
    ['ip,nw_src=10.0.0.0/8', 'ip,nw_src=10.0.0.0/8'],
    ['ip,nw_dst=10.0.0.7/255.255.255.0', 'ip,nw_dst=10.0.0.0/24'],
    ['ip,nw_dst=10.0.0.1/255.0.255.0', 'ip,nw_dst=10.0.0.0/255.0.255.0'],
    ['ip,nw_proto=47', 'ip,nw_proto=47'],
    ['ip,nw_tos=32', 'ip,nw_tos=32'],
    ['ip,nw_ecn=3,nw_ttl=64', 'ip,nw_ecn=3,nw_ttl=64'],
    ['nw_proto=6,ip', 'tcp'],
    ['tcp,tp_src=1024,tp_dst=80', 'tcp,tp_src=1024,tp_dst=80'],
    ['udp,tp_dst=0x1000/0xf000', 'udp,tp_dst=0x1000/0xf000'],
    ['tcp,tcp_flags=+syn-ack', 'tcp,tcp_flags=+syn-ack'],
    ['tcp,tcp_flags=0x012', 'tcp,tcp_flags=syn|ack'],
    ['tcp,tcp_flags=syn', 'tcp,tcp_flags=syn'],
    ['icmp,icmp_type=8,icmp_code=0', 'icmp,icmp_type=8,icmp_code=0'],
    ['arp,arp_op=1,arp_spa=10.0.0.1,arp_tpa=10.0.0.0/24', 'arp,arp_spa=10.0.0.1,arp_tpa=10.0.0.0/24,arp_op=1'],
    ['arp,nw_src=10.0.0.1', 'arp,arp_spa=10.0.0.1'],
    ['ipv6,ipv6_src=2001:db8::1,ipv6_dst=2001:db8::/32', 'ipv6,ipv6_src=2001:db8::1,ipv6_dst=2001:db8::/32'],
    ['tcp6,tp_dst=22', 'tcp6,tp_dst=22'],
    ['icmp6,icmp_type=135', 'icmp6,icmp_type=135'],
    ['udp6', 'udp6'],
    ['ipv6,ipv6_label=0x12345', 'ipv6,ipv6_label=0x12345'],
    ['eth_type=0x0800,ip_dst=10.0.0.2,ip_proto=17,udp_dst=53', 'udp,nw_dst=10.0.0.2,tp_dst=53'],
    ['priority=100,in_port=1,tcp,dl_vlan=5,nw_dst=10.0.0.2', 'priority=100,tcp,in_port=1,dl_vlan=5,nw_dst=10.0.0.2'],
  ])('%s prints as %s', (text, printed) => {
    expect(roundTrip(text)).toBe(printed);
    // What dump-flows prints reads back to the same match.
    expect(roundTrip(printed)).toBe(printed);
  });

  it.each([
    ['nw_dts=10.0.0.1', 'nw_dts'],
    ['ip,nw_dst=10.0.0.300', '10.0.0.300'],
    ['nw_dst=10.0.0.1', 'nw_dst=10.0.0.1'],
    ['tcp,tp_dst=70000', 'tp_dst=70000'],
    ['ip,tp_dst=80', 'tp_dst=80'],
    ['dl_vlan=5000', 'dl_vlan=5000'],
    ['dl_src=00:00:00:00:00', 'dl_src'],
    ['ip,nw_tos=3', 'nw_tos=3'],
    ['ip,arp', 'arp'],
    ['tcp,tcp_flags=+syn-bogus', 'bogus'],
    ['ipv6,ipv6_src=2001:::1', 'ipv6_src'],
    ['in_port=1/0xff', 'in_port=1/0xff'],
    ['priority=70000', 'priority=70000'],
    ['ip,nw_src=10.0.0.0/33', 'nw_src=10.0.0.0/33'],
  ])('rejects %s, naming %s', (text, token) => {
    badOption(() => parseFlow(`${text},actions=drop`), token);
  });

  it('rejects flows without actions, unknown actions, and misplaced drop and goto_table', () => {
    badOption(() => parseFlow('ip'), 'actions=');
    badOption(() => parseFlow('ip,actions=outptu:2'), 'outptu');
    badOption(() => parseFlow('actions=drop,output:1'), 'drop');
    badOption(() => parseFlow('actions=goto_table:1,output:1'), 'goto_table');
    badOption(() => parseFlow('table=2,actions=goto_table:1'), 'goto_table');
    badOption(() => parseFlow('actions=mod_vlan_vid:4096'), 'mod_vlan_vid:4096');
    badOption(() => parseFlow('actions=mod_dl_src:zz'), 'mod_dl_src:zz');
    badOption(() => parseFlow('actions=set_field:1->nw_ttl'), 'nw_ttl');
  });

  it('reads every action of the issue, and prints them as ovs-ofctl does', () => {
    const text =
      'output:2,3,in_port,flood,all,normal,controller,controller:128,mod_vlan_vid:10,mod_vlan_pcp:3,strip_vlan,pop_vlan,' +
      'push_vlan:0x8100,mod_dl_src:00:00:00:00:00:0a,mod_dl_dst:00:00:00:00:00:0b,mod_nw_src:10.1.1.1,mod_nw_dst:10.2.2.2,' +
      'mod_nw_tos:16,mod_tp_src:1000,mod_tp_dst:2000,dec_ttl,group:4,goto_table:3';
    const actions = parseActions(text);
    expect(actions.map((a) => a.type)).toEqual([
      'output',
      'output',
      'in_port',
      'flood',
      'all',
      'normal',
      'controller',
      'controller',
      'mod_vlan_vid',
      'mod_vlan_pcp',
      'strip_vlan',
      'strip_vlan',
      'push_vlan',
      'mod_dl_src',
      'mod_dl_dst',
      'mod_nw_src',
      'mod_nw_dst',
      'mod_nw_tos',
      'mod_tp_src',
      'mod_tp_dst',
      'dec_ttl',
      'group',
      'goto_table',
    ]);
    expect(formatActions(actions)).toBe(
      'output:2,output:3,IN_PORT,FLOOD,ALL,NORMAL,CONTROLLER:65535,CONTROLLER:128,mod_vlan_vid:10,mod_vlan_pcp:3,strip_vlan,strip_vlan,' +
        'push_vlan:0x8100,mod_dl_src:00:00:00:00:00:0a,mod_dl_dst:00:00:00:00:00:0b,mod_nw_src:10.1.1.1,mod_nw_dst:10.2.2.2,' +
        'mod_nw_tos:16,mod_tp_src:1000,mod_tp_dst:2000,dec_ttl,group:4,goto_table:3',
    );
    // And what it prints reads back the same.
    expect(parseActions(formatActions(actions))).toEqual(actions);
    expect(formatActions([])).toBe('drop');
  });

  it('maps set_field onto the mod_ actions', () => {
    expect(
      parseActions('set_field:10.0.0.9->ip_dst,set_field:00:00:00:00:00:01->eth_src,set_field:8080->tcp_dst,set_field:4106->vlan_vid'),
    ).toEqual([
      { type: 'mod_nw_dst', ip: 0x0a000009 },
      { type: 'mod_dl_src', mac: 1 },
      { type: 'mod_tp_dst', port: 8080 },
      { type: 'mod_vlan_vid', vid: 10 },
    ]);
    const v6 = parseActions('set_field:2001:db8::9->ipv6_dst');
    expect(v6).toEqual([{ type: 'mod_ipv6_dst', ip: 0x20010db8000000000000000000000009n }]);
    expect(formatActions(v6)).toBe('set_field:2001:db8::9->ipv6_dst');
  });

  it('reads del-flows filters: cookie masks, out_port, any table', () => {
    const f = parseFlowFilter('cookie=0x10/0xf0,out_port=3,ip');
    expect([f.table, f.cookie, f.cookieMask, f.outPort]).toEqual([-1, 0x10n, 0xf0n, 3]);
    expect(parseFlowFilter('').match.isCatchAll()).toBe(true);
    badOption(() => parseFlowFilter('ip,actions=drop'), 'actions');
    badOption(() => parseFlowFilter('idle_timeout=5'), 'idle_timeout');
  });

  it('reads groups in ovs-ofctl syntax', () => {
    const g = parseGroup('group_id=1,type=select,bucket=output:1,bucket=weight:50,actions=mod_dl_dst:00:00:00:00:00:02,output:2');
    expect(g.type).toBe('select');
    expect(g.buckets.map((b) => [b.weight, b.actions.length])).toEqual([
      [100, 1],
      [50, 2],
    ]);
    const ff = parseGroup('group_id=2,type=ff,bucket=watch_port:1,output:1,bucket=watch_port:2,output:2');
    expect(ff.buckets.map((b) => [b.watchPort, b.actions[0]])).toEqual([
      [1, { type: 'output', port: 1 }],
      [2, { type: 'output', port: 2 }],
    ]);
    badOption(() => parseGroup('group_id=3,type=fancy,bucket=output:1'), 'type=fancy');
    badOption(() => parseGroup('group_id=3,type=all,bucket=goto_table:1'), 'goto_table');
  });
});
