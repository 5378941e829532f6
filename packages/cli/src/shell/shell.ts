/**
 * The `vnet>` prompt: Mininet's CLI. A line is a command (`pingall`, `net`, …) or a node name
 * followed by what to run on it (`h1 ping -c 3 h2`, where other node names become their IPs).
 * A failing command prints one line and the prompt carries on; only exit, quit or Ctrl-D end it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Network } from '@vnet/topology';
import pc from 'picocolors';
import { COMMANDS, type CommandContext } from './commands.js';

/** Commands a host's own shell knows, offered by tab completion after a node name. */
const NODE_COMMANDS = ['ping', 'ip', 'ifconfig', 'arp', 'route', 'sysctl', 'iperf', 'nc', 'ss', 'nft', 'node', 'hostname', 'help'];

export interface ShellIo {
  input: Readable;
  output: Writable;
  /** True when a person is typing: prompt, history and completion on. */
  terminal: boolean;
  /** Where the history is kept between sessions (Mininet keeps ~/.mininet_history). */
  historyFile?: string;
}

const HISTORY_SIZE = 1000;

export class Shell {
  private readonly rl: Interface;
  private closed = false;
  /** The node command in progress, which Ctrl-C interrupts. */
  private running: AbortController | undefined;
  /** Background jobs started so far (`h2 node server.mjs &`), for their numbers. */
  private jobs = 0;

  constructor(
    private readonly net: Network,
    private readonly io: ShellIo,
  ) {
    this.rl = createInterface({
      input: io.input,
      output: io.output,
      terminal: io.terminal,
      prompt: io.terminal ? pc.bold('vnet> ') : 'vnet> ',
      completer: (line: string) => this.complete(line),
      historySize: HISTORY_SIZE,
      history: io.historyFile ? readHistory(io.historyFile) : [],
    });
    const file = io.historyFile;
    if (file) this.rl.on('history', (lines: string[]) => writeHistory(file, lines));
  }

  /** Reads and runs lines until exit, quit or end of input. */
  async run(): Promise<void> {
    // Ctrl-C interrupts the running command (ping then prints its statistics), or at the
    // prompt clears the line, as in a shell; it never stops the network.
    this.rl.on('SIGINT', () => {
      this.io.output.write('^C\n');
      if (this.running) this.running.abort();
      else this.rl.prompt();
    });
    this.rl.prompt();
    for await (const line of this.rl) {
      if (!(await this.execute(line))) break;
      if (this.closed) break;
      this.rl.prompt();
    }
    this.closed = true;
    this.rl.close();
  }

  /** Runs one line; false when it asked to leave. */
  async execute(line: string): Promise<boolean> {
    const words = line.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) return true;
    const [first, ...args] = words;
    if (first === 'exit' || first === 'quit') return false;
    const ctx: CommandContext = { net: this.net, execute: (l) => this.execute(l), write: (t) => this.io.output.write(t) };
    try {
      const command = COMMANDS[first];
      let out: string | undefined;
      if (command) out = await command.run(ctx, args);
      else if (this.net.nodeNames().includes(first) && args.at(-1) === '&') this.runInBackground(first, args.slice(0, -1));
      else if (this.net.nodeNames().includes(first)) await this.runOnNode(first, args);
      else throw new Error(`unknown command or node: ${first} (type help)`);
      if (out) this.io.output.write(out.endsWith('\n') ? out : `${out}\n`);
    } catch (e) {
      this.io.output.write(`${pc.red(`*** ${(e as Error).message}`)}\n`);
    }
    return true;
  }

  /** Runs a command on a node, printing its output as it comes, until it ends or Ctrl-C. */
  private async runOnNode(node: string, args: string[]): Promise<void> {
    this.running = new AbortController();
    try {
      await this.net.cmd(node, this.substitute(args).join(' '), { onOutput: (t) => this.io.output.write(t), signal: this.running.signal });
    } finally {
      this.running = undefined;
    }
  }

  /**
   * `h2 node server.mjs &`: runs the command as a shell's background job would, its output
   * printed as it comes, until it ends or the network stops; the prompt returns at once.
   */
  private runInBackground(node: string, args: string[]): void {
    const job = ++this.jobs;
    this.io.output.write(`[${job}] ${node} ${args.join(' ')}\n`);
    this.net
      .cmd(node, this.substitute(args).join(' '), { onOutput: (t) => this.io.output.write(t) })
      .then(() => this.io.output.write(`[${job}]+ Done  ${node} ${args.join(' ')}\n`))
      .catch((e: Error) => {
        if (!this.closed) this.io.output.write(`${pc.red(`*** [${job}] ${e.message}`)}\n`);
      });
  }

  /** Mininet's rule: a word that names a host becomes that host's IP address. */
  private substitute(args: string[]): string[] {
    const hosts = new Set(this.net.hosts);
    return args.map((a) => (hosts.has(a) ? (this.net.get(a).ip ?? a) : a));
  }

  private complete(line: string): [string[], string] {
    const words = line.split(/\s+/);
    const last = words[words.length - 1];
    const nodes = this.net.nodeNames();
    const pool =
      words.length === 1 ? [...Object.keys(COMMANDS), ...nodes] : nodes.includes(words[0]) && words.length === 2 ? NODE_COMMANDS : nodes;
    const hits = pool.filter((c) => c.startsWith(last));
    return [hits.length ? hits : pool, last];
  }
}

/** The saved history, newest first as readline keeps it; none when the file is missing or unreadable. */
function readHistory(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).reverse().slice(0, HISTORY_SIZE);
  } catch {
    return [];
  }
}

function writeHistory(file: string, lines: string[]): void {
  try {
    writeFileSync(file, `${[...lines].reverse().join('\n')}\n`);
  } catch {
    // A history that cannot be saved must not break the prompt.
  }
}
