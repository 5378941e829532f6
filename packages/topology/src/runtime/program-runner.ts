/**
 * Runs a user's bundled Node.js program inside a host's worker, as if the host were its
 * machine: `require('net' | 'http' | 'dgram' | 'dns')` return modules bound to the host's
 * stack, `console` and `process.stdout` write to the command's output, and the program ends as
 * a Node process does — when nothing keeps it alive any more (no server, socket or timer), on
 * `process.exit`, on an uncaught exception, on Ctrl-C, or when the network stops.
 */
import { Console } from 'node:console';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import type { Stack } from '@vnet/netstack';
import { nodeModules } from '@vnet/netstack/node';
import type { ProgramSpec } from '../program.js';

export interface ProgramHost {
  stack: Stack;
  /** Polls the stack now (after sends made outside frame handling). */
  kick(): void;
}

/** Built-ins that would reach the real network around the emulator: a program gets an error instead. */
const OUTSIDE = new Set(['https', 'tls', 'http2', 'net/promises']);

const realRequire = createRequire(import.meta.url);

/**
 * The programs being loaded, by id: a bundle's banner takes its scope from here
 * (`globalThis.__vnetPrograms.get(id)`), which also tells the runner it began to run.
 */
const programs = new Map<string, { scope: Record<string, unknown>; began(): void }>();
(globalThis as { __vnetPrograms?: unknown }).__vnetPrograms = {
  get(id: string): Record<string, unknown> {
    const p = programs.get(id);
    if (!p) throw new Error('this program was stopped before it began');
    p.began();
    return p.scope;
  },
};

/** A program running on a host; `done` settles when it exits. */
export class Program {
  readonly done: Promise<void>;
  private resolveDone: () => void = () => {};
  private live = 0;
  private exited = false;
  /** The module began to run (its banner took its scope), and has not finished its top level. */
  private started = false;
  private evaluating = true;
  /** The program's timers, and whether each keeps it alive (not unref'd). */
  private readonly timers = new Map<NodeJS.Timeout | NodeJS.Immediate, boolean>();
  private readonly modules: ReturnType<typeof nodeModules>;
  private readonly events = new EventEmitter();

  constructor(
    private readonly host: ProgramHost,
    private readonly spec: ProgramSpec,
    private readonly write: (text: string) => void,
  ) {
    this.done = new Promise<void>((resolve) => {
      this.resolveDone = resolve;
    });
    this.modules = nodeModules(host.stack, {
      lookup: (name) => spec.hosts[name],
      onHandle: (event) => {
        if (event === 'open') this.live++;
        else this.release();
      },
      onActivity: () => host.kick(),
      onUncaught: (e) => this.crash(e),
    });
  }

  /** Runs the program's top level (a module: it may await); what it starts runs on. */
  start(): void {
    const spec = this.spec;
    const out = new Writable({
      write: (chunk: Buffer | string, _enc, cb) => {
        if (!this.exited) this.write(chunk.toString());
        cb();
      },
    });
    const console = new Console({ stdout: out, stderr: out, colorMode: false });
    const proc = this.processFor(out);
    const scope: Record<string, unknown> = {
      require: (id: string) => this.require(id),
      process: proc,
      console,
      setTimeout: (fn: (...a: unknown[]) => void, ms?: number, ...a: unknown[]) => this.timer(setTimeout, fn, ms, a, true),
      setInterval: (fn: (...a: unknown[]) => void, ms?: number, ...a: unknown[]) => this.timer(setInterval, fn, ms, a, false),
      setImmediate: (fn: (...a: unknown[]) => void, ...a: unknown[]) => this.immediate(fn, a),
      clearTimeout: (t: NodeJS.Timeout) => this.clear(t, clearTimeout),
      clearInterval: (t: NodeJS.Timeout) => this.clear(t, clearInterval),
      clearImmediate: (t: NodeJS.Immediate) => this.clear(t, clearImmediate),
    };
    programs.set(spec.id, { scope, began: () => (this.started = true) });
    const url = `data:text/javascript;base64,${Buffer.from(spec.code).toString('base64')}`;
    import(url)
      .then(
        () => {
          this.evaluating = false;
          this.checkDone();
        },
        (e: unknown) => this.crash(e),
      )
      .finally(() => {
        programs.delete(spec.id);
        this.host.kick();
      });
  }

  /** Stops the program from outside (Ctrl-C, the network stopping). */
  kill(): void {
    this.exit();
  }

  /** An exception escaped the program's code: Node prints it and exits with 1. */
  crash(error: unknown): void {
    if (this.exited) return;
    this.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    this.exit();
  }

  private exit(): void {
    if (this.exited) return;
    this.events.emit('exit', 0);
    this.exited = true;
    for (const t of this.timers.keys()) {
      clearTimeout(t as NodeJS.Timeout);
      clearImmediate(t as NodeJS.Immediate);
    }
    this.timers.clear();
    programs.delete(this.spec.id);
    this.modules.closeAll();
    this.host.kick();
    this.resolveDone();
  }

  /** Runs the program's code, turning an exception into a crash. */
  guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.crash(e);
    }
  }

  private require(id: string): unknown {
    const name = id.startsWith('node:') ? id.slice(5) : id;
    const m = this.modules;
    switch (name) {
      case 'net':
        return m.net;
      case 'http':
        return m.http;
      case 'dns':
        return m.dns;
      case 'dns/promises':
        return m.dns.promises;
      case 'dgram':
        if (m.dgram) return m.dgram;
        break;
    }
    if (OUTSIDE.has(name) || name === 'dgram') {
      throw new Error(`${id} is not available on a vnet host: it would reach the network outside the emulator`);
    }
    return realRequire(id);
  }

  private processFor(out: Writable): NodeJS.Process {
    const events = this.events;
    const spec = this.spec;
    const proc = Object.create(process) as NodeJS.Process & Record<string, unknown>;
    const own: Record<string, unknown> = {
      argv: [process.argv[0], spec.file, ...spec.args],
      env: { ...process.env },
      stdout: out,
      stderr: out,
      exitCode: undefined,
      // Node leaves the program's code at once; here the current callback finishes first.
      exit: () => this.exit(),
      // The program's own 'exit' (and other) listeners, never the worker's process.
      on: (e: string, l: (...a: unknown[]) => void) => {
        events.on(e, l);
        return proc;
      },
      once: (e: string, l: (...a: unknown[]) => void) => {
        events.once(e, l);
        return proc;
      },
      off: (e: string, l: (...a: unknown[]) => void) => {
        events.off(e, l);
        return proc;
      },
      emit: (e: string, ...a: unknown[]) => events.emit(e, ...a),
    };
    // Defined, not assigned: several of these are getters on the real process.
    own.removeListener = own.off;
    for (const [k, v] of Object.entries(own)) Object.defineProperty(proc, k, { value: v, writable: true, configurable: true });
    return proc;
  }

  private timer(
    set: (fn: () => void, ms?: number) => NodeJS.Timeout,
    fn: (...a: unknown[]) => void,
    ms: number | undefined,
    args: unknown[],
    once: boolean,
  ): NodeJS.Timeout | undefined {
    if (this.exited) return undefined;
    const t: NodeJS.Timeout = set(() => {
      if (once) this.forget(t);
      this.guard(() => fn(...args));
      this.host.kick();
    }, ms);
    this.hold(t);
    // An unref'd timer lets the program end while it is pending, as in Node.
    const unref = t.unref.bind(t);
    const ref = t.ref.bind(t);
    t.unref = () => {
      if (this.timers.get(t) === true) {
        this.timers.set(t, false);
        this.release();
      }
      return unref();
    };
    t.ref = () => {
      if (this.timers.get(t) === false) this.hold(t);
      return ref();
    };
    return t;
  }

  private immediate(fn: (...a: unknown[]) => void, args: unknown[]): NodeJS.Immediate | undefined {
    if (this.exited) return undefined;
    const t = setImmediate(() => {
      this.forget(t);
      this.guard(() => fn(...args));
      this.host.kick();
    });
    this.hold(t);
    return t;
  }

  private clear(t: NodeJS.Timeout | NodeJS.Immediate | undefined, clear: (t: never) => void): void {
    if (t === undefined) return;
    clear(t as never);
    this.forget(t);
  }

  /** A timer that keeps the program alive. */
  private hold(t: NodeJS.Timeout | NodeJS.Immediate): void {
    this.timers.set(t, true);
    this.live++;
  }

  /** A timer that fired or was cleared. */
  private forget(t: NodeJS.Timeout | NodeJS.Immediate): void {
    const held = this.timers.get(t);
    this.timers.delete(t);
    if (held) this.release();
  }

  private release(): void {
    this.live--;
    queueMicrotask(() => this.checkDone());
  }

  /**
   * Ends the program when nothing keeps it alive. A top-level `await` on something that can
   * never settle (no handle left) ends it too, as Node does, one turn later.
   */
  private checkDone(): void {
    if (!this.started || this.exited || this.live > 0) return;
    if (!this.evaluating) this.exit();
    else
      setImmediate(() => {
        if (this.evaluating && this.live <= 0) this.exit();
      });
  }
}
