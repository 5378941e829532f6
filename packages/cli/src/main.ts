import type { Readable } from 'node:stream';
import { Command, CommanderError, Option } from 'commander';
import { benchCommand } from './commands/bench.js';
import { decodeCommand } from './commands/decode.js';
import { runScript } from './commands/run.js';
import { CliError } from './errors.js';
import { type NetworkCliOptions, runNetwork, TESTS } from './run-network.js';
import { VERSION } from './version.js';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Where the interactive prompt reads from (process.stdin by default). */
  input?: Readable;
  /** Whether a person is at a terminal: prompt editing, colours and progress bars. */
  isTTY?: boolean;
}

const processIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

/** Exit codes: 0 done (a --test passed), 1 the work failed, 2 bad usage. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  let code = 0;
  const program = new Command('vnet')
    .description(
      'vnet: a network-virtualization laboratory — Mininet without Python.\nWith no command, starts a network and a vnet> prompt.',
    )
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(run vnet --help for usage)')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
    // Options before a command belong to vnet, after it to the command (`vnet decode --json`).
    .enablePositionalOptions()
    .option('--topo <topo>', 'topology: minimal, single,K, reversed,K, linear,K[,N], tree,depth=D,fanout=F, torus,X,Y', 'minimal')
    .option('--link <link>', 'link options for every link, Mininet style: tc,bw=10,delay=5ms,loss=1')
    .option('--switch <switch>', 'options for every switch, Mininet style: learning,stp=1 (802.1D), learning,rstp=1, priority=N')
    .addOption(new Option('--test <test>', 'run a test and exit with its verdict').choices([...TESTS]))
    .option('--mac', 'MAC addresses from host numbers (00:00:00:00:00:01 for h1)')
    .option('--arp', 'static ARP entries for every host on every host')
    .option('--ipbase <cidr>', 'where host addresses come from', '10.0.0.0/8')
    .option('--custom <file>', 'a .ts/.js file exporting `topos`, a map of topology names')
    .addOption(
      new Option('--placement <placement>', 'a worker per node (thread) or a pool of one per core').choices(['auto', 'thread', 'pool']),
    )
    .option('--seed <n>', 'seed for MACs and impairments, to repeat a run')
    .option('--json', 'with --test: print the result as JSON')
    .option('-v, --verbose', 'say more')
    .action(async (opts: NetworkCliOptions) => {
      code = await runNetwork(opts, {
        ...io,
        input: io.input ?? process.stdin,
        isTTY: io.isTTY ?? (process.stdin.isTTY === true && process.stdout.isTTY === true),
      });
    });
  program
    .command('decode')
    .description('print every frame of a pcap or pcapng file, one line each (or JSON with --json)')
    .argument('<file>', 'capture file (.pcap or .pcapng)')
    .option('--json', 'one JSON object per frame, fields named as Wireshark names them')
    .action(async (file: string, opts: { json?: boolean }) => {
      code = await decodeCommand(file, { json: opts.json ?? false }, io);
    });
  program
    .command('bench')
    .description('measure the emulator on this machine: start-up, pingall, round trip, datapath rate')
    .argument('[filter...]', 'only benchmarks whose name contains one of these words')
    .option('--json', 'print a JSON report instead of the table')
    .action(async (filter: string[], opts: { json?: boolean }) => {
      code = await benchCommand(filter, opts.json ?? false, io);
    });
  program
    .command('run')
    .description('run a TypeScript or JavaScript automation script against the vnet API')
    .argument('<script>', 'the script (.ts or .js)')
    .argument('[args...]', 'arguments for the script (process.argv.slice(2))')
    .action(async (script: string, args: string[]) => {
      code = await runScript(script, args);
    });
  try {
    const first = argv[0];
    if (first !== undefined && !first.startsWith('-') && !program.commands.some((c) => c.name() === first)) {
      throw new CliError(
        `unknown command '${first}'; commands are ${program.commands.map((c) => c.name()).join(', ')}, or none to start a network`,
        2,
      );
    }
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof CliError) {
      io.err(`vnet: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}
