import { Command, CommanderError } from 'commander';
import { decodeCommand } from './commands/decode.js';
import { CliError } from './errors.js';
import { VERSION } from './version.js';

/** Exit codes: 0 done, 1 the work failed (bad capture file, failed test), 2 bad usage. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const program = new Command('vnet')
    .description('vnet: a network-virtualization laboratory — Mininet without Python')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(run vnet --help for usage)')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride();
  let code = 0;
  program
    .command('decode')
    .description('print every frame of a pcap or pcapng file, one line each (or JSON with --json)')
    .argument('<file>', 'capture file (.pcap or .pcapng)')
    .option('--json', 'one JSON object per frame, fields named as Wireshark names them')
    .action(async (file: string, opts: { json?: boolean }) => {
      code = await decodeCommand(file, { json: opts.json ?? false }, io);
    });
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 0;
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

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};
