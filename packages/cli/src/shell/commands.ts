/**
 * The commands of the `vnet>` prompt, one function each, as Mininet's cli.py has one `do_*`
 * method per command. Each returns its output as text; errors are thrown and printed by the
 * shell as one line, and the prompt carries on.
 */
import type { Network } from '@vnet/topology';
import { CliError } from '../errors.js';
import { formatPingAll, formatPingAllFull, info } from './format.js';

export interface CommandContext {
  net: Network;
  /** Runs another line of the shell (for `source` and `time`). */
  execute(line: string): Promise<boolean>;
  write(text: string): void;
}

export interface Command {
  usage: string;
  help: string;
  run(ctx: CommandContext, args: string[]): Promise<string | undefined> | string | undefined;
}

function timeoutArg(args: string[]): number {
  if (args.length === 0) return 1;
  const t = Number(args[0]);
  if (!Number.isFinite(t) || t <= 0) throw new CliError(`timeout "${args[0]}" is not a number of seconds`);
  return t;
}

async function nodeLines(net: Network, describe: (name: string) => Promise<string> | string): Promise<string> {
  const lines = await Promise.all(net.nodeNames().map(describe));
  return `${lines.join('\n')}\n`;
}

export const COMMANDS: Record<string, Command> = {
  help: {
    usage: 'help [command]',
    help: 'list the commands, or explain one',
    run: (_ctx, [name]) => {
      if (name) {
        const c = COMMANDS[name];
        if (!c) throw new CliError(`no command ${name}; "help" lists them`);
        return `${c.usage}\n  ${c.help}\n`;
      }
      const width = Math.max(...Object.values(COMMANDS).map((c) => c.usage.length));
      const rows = Object.values(COMMANDS).map((c) => `  ${c.usage.padEnd(width)}  ${c.help}`);
      const node = `  ${'<node> <cmd> [args]'.padEnd(width)}  run cmd on a node; other node names in args become their IPs (h1 ping -c 3 h2)`;
      return `Commands:\n${rows.join('\n')}\n${node}\n`;
    },
  },
  nodes: {
    usage: 'nodes',
    help: 'list the nodes',
    run: ({ net }) => `available nodes are: \n${net.nodeNames().join(' ')}\n`,
  },
  net: {
    usage: 'net',
    help: 'list the nodes with their links, interface to interface',
    run: ({ net }) =>
      nodeLines(net, (name) => {
        const plan = net.layout;
        const node = plan.nodes.find((n) => n.name === name)!;
        const ends = node.intfs.map((i) => {
          const l = plan.links[i.link];
          return `${i.name}:${i.side === 'a' ? l.intfB : l.intfA}`;
        });
        return `${name} ${node.kind === 'switch' ? 'lo:  ' : ''}${ends.join(' ')}`;
      }),
  },
  links: {
    usage: 'links',
    help: 'list the links and the state of each end',
    run: ({ net }) => {
      const lines = net.links().map((l) => {
        const s = l.stats();
        const state = (end: { adminUp: boolean; gone: boolean }) => (end.adminUp && !end.gone ? 'OK' : 'MISSING');
        return `${l.spec.intfA}<->${l.spec.intfB} (${state(s.a)} ${state(s.b)})`;
      });
      return `${lines.join('\n')}\n`;
    },
  },
  dump: {
    usage: 'dump',
    help: 'describe every node',
    run: ({ net }) =>
      nodeLines(net, (name) => {
        const n = net.get(name);
        if (n.kind === 'switch') return `<Switch ${name}: ${n.intfNames.join(',')}>`;
        return `<Host ${name}: ${n.intfNames[0]}:${n.ip} mac=${n.mac}>`;
      }),
  },
  intfs: {
    usage: 'intfs',
    help: 'list the interfaces of every node',
    run: ({ net }) => nodeLines(net, (name) => `${name}: ${net.get(name).intfNames.join(',')}`),
  },
  ports: {
    usage: 'ports',
    help: 'list the port numbers of every switch',
    run: ({ net }) => {
      const lines = net.layout.nodes
        .filter((n) => n.kind === 'switch')
        .map((s) => `${s.name} lo:0 ${s.intfs.map((i) => `${i.name}:${i.port}`).join(' ')}`);
      return `${lines.join('\n')}\n`;
    },
  },
  pingall: {
    usage: 'pingall [timeout]',
    help: 'ping between every pair of hosts',
    run: async ({ net, write }, args) => {
      write(info('Ping: testing ping reachability'));
      return formatPingAll(await net.pingAll(timeoutArg(args)), net.hosts);
    },
  },
  pingallfull: {
    usage: 'pingallfull',
    help: 'pingall, with round-trip times',
    run: async ({ net, write }) => {
      write(info('Ping: testing ping reachability'));
      return formatPingAllFull(await net.pingAll());
    },
  },
  pingpair: {
    usage: 'pingpair',
    help: 'ping between the first two hosts',
    run: async ({ net, write }) => {
      write(info('Ping: testing ping reachability'));
      const pair = net.hosts.slice(0, 2);
      return formatPingAll(await net.ping(pair), pair);
    },
  },
  pingpairfull: {
    usage: 'pingpairfull',
    help: 'pingpair, with round-trip times',
    run: async ({ net, write }) => {
      write(info('Ping: testing ping reachability'));
      return formatPingAllFull(await net.ping(net.hosts.slice(0, 2)));
    },
  },
  iperf: {
    usage: 'iperf [host1 host2] [seconds]',
    help: 'measure TCP bandwidth between two hosts (default: the first and last)',
    run: async ({ net, write }, args) => {
      const names = args.filter((a) => net.hosts.includes(a));
      if (names.length !== 0 && names.length !== 2) throw new CliError('iperf takes two hosts, or none for the first and last');
      const rest = args.filter((a) => !names.includes(a));
      const seconds = rest.length ? Number(rest[0]) : 5;
      if (!Number.isFinite(seconds) || seconds <= 0) throw new CliError(`iperf: "${rest[0]}" is not a number of seconds`);
      const hosts: [string, string] = names.length === 2 ? [names[0], names[1]] : [net.hosts[0], net.hosts[net.hosts.length - 1]];
      write(info(`Iperf: testing TCP bandwidth between ${hosts[0]} and ${hosts[1]} `));
      const rates = await net.iperf(hosts, { seconds });
      return info(`Results: ['${rates[0]}', '${rates[1]}']`);
    },
  },
  dpctl: {
    usage: 'dpctl CMD [args]',
    help: 'run a flow-table command on every switch: dump-flows, add-flow FLOW, del-flows, dump-megaflows, dump-groups, …',
    run: async ({ net }, args) => {
      if (args.length === 0) throw new CliError('dpctl needs a command, for example: dpctl dump-flows');
      const switches = net.layout.nodes.filter((n) => n.kind === 'switch').map((n) => n.name);
      let out = '';
      for (const name of switches) out += `*** ${name} ${'-'.repeat(72)}\n${await net.cmd(name, args.join(' '))}`;
      return out;
    },
  },
  link: {
    usage: 'link NODE1 NODE2 up|down',
    help: 'bring the links between two nodes up or down',
    run: ({ net }, args) => {
      if (args.length !== 3 || (args[2] !== 'up' && args[2] !== 'down')) throw new CliError('usage: link NODE1 NODE2 up|down');
      net.configLinkStatus(args[0], args[1], args[2]);
      return undefined;
    },
  },
  js: {
    usage: 'js EXPRESSION',
    help: "evaluate JavaScript with net and every node in scope (Mininet's py)",
    run: async ({ net }, args) => {
      const names = net.nodeNames().filter((n) => /^[A-Za-z_$][\w$]*$/.test(n));
      const fn = new Function('net', ...names, `return (async () => (${args.join(' ')}))();`);
      const value = await fn(net, ...names.map((n) => net.get(n)));
      return value === undefined ? undefined : `${typeof value === 'string' ? value : JSON.stringify(value, null, 2)}\n`;
    },
  },
  source: {
    usage: 'source FILE',
    help: 'run the commands in a file, one per line',
    run: async ({ execute }, [file]) => {
      if (!file) throw new CliError('usage: source FILE');
      const { readFile } = await import('node:fs/promises');
      const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
        throw new CliError(`cannot read ${file} (${e.code})`);
      });
      for (const line of text.split('\n')) {
        if (line.trim() && !line.trim().startsWith('#') && !(await execute(line))) break;
      }
      return undefined;
    },
  },
  time: {
    usage: 'time COMMAND',
    help: 'run a command and say how long it took',
    run: async ({ execute }, args) => {
      const t0 = performance.now();
      await execute(args.join(' '));
      return info(`Elapsed time: ${((performance.now() - t0) / 1000).toFixed(6)} secs`);
    },
  },
  exit: { usage: 'exit', help: 'stop the network and leave (also quit, Ctrl-D)', run: () => undefined },
  quit: { usage: 'quit', help: 'same as exit', run: () => undefined },
};
