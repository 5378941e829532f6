/// <reference types="node" />
/**
 * What the Node-shaped modules of one stack share: the stack, name resolution, the live-handle
 * count the program runner watches, and the queue through which every event of the stack
 * reaches the program.
 *
 * The stack calls its sockets back while its owner feeds it frames or polls it. The program's
 * handlers must not run there: a handler that throws would unwind through the stack, and one
 * that closes or writes would re-enter it in the middle of a segment. So the callbacks only note
 * what happened, and the program hears of it from a microtask, in the order the stack said it —
 * as Node's handlers run from the event loop, never from inside the kernel.
 */
import { isIPv4 } from 'node:net';
import type { Stack } from '../stack.js';

/** What `nodeModules` is given besides the stack. */
export interface NodeModulesOptions {
  /** Resolves a host name to an IPv4 address (text), or undefined when the name is unknown (ENOTFOUND). */
  lookup?(hostname: string): string | undefined;
  /**
   * A handle starts (`'open'`) or stops (`'close'`) keeping the program alive: a listening server,
   * an open TCP socket, a bound UDP socket — unless `unref()`'d. Each `'open'` is followed by
   * exactly one `'close'`; when the count is back to 0 the program has nothing left to wait for.
   */
  onHandle?(event: 'open' | 'close'): void;
  /**
   * The modules called into the stack (sent, or armed a timer) on their own — from a stream's
   * deferred write, a lookup's answer, a timeout. An owner that plans its polls by `pollAt()`
   * should plan again.
   */
  onActivity?(): void;
  /**
   * An exception escaped a program's handler. Without this it is thrown (uncaught, as in Node);
   * a runner hosting several programs in one thread takes it here to end only that program.
   */
  onUncaught?(error: unknown): void;
}

/** Something `closeAll` must end. */
interface Closable {
  closeNow(): void;
}

/** @internal One per `nodeModules` call. */
export class NodeContext {
  private queue: Array<() => void> = [];
  private scheduled = false;
  private activityDue = false;
  /** Open servers, sockets and UDP sockets, for `closeAll`. */
  readonly live = new Set<Closable>();

  constructor(
    readonly stack: Stack,
    private readonly options: NodeModulesOptions,
  ) {}

  /** Runs `fn` from a microtask, after everything deferred before it. */
  defer(fn: () => void): void {
    this.queue.push(fn);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const q = this.queue;
    this.queue = [];
    for (let i = 0; i < q.length; i++) {
      try {
        q[i]();
      } catch (e) {
        if (this.options.onUncaught) {
          this.options.onUncaught(e);
          continue;
        }
        // An exception in a program's handler is uncaught, as in Node; what was queued after it still runs.
        const rest = q.slice(i + 1);
        this.queue = rest.concat(this.queue);
        if (this.queue.length > 0 && !this.scheduled) {
          this.scheduled = true;
          queueMicrotask(this.flush);
        }
        throw e;
      }
    }
  };

  /** The modules called into the stack: tell the owner once, after the current task. */
  activity(): void {
    const cb = this.options.onActivity;
    if (cb === undefined || this.activityDue) return;
    this.activityDue = true;
    queueMicrotask(() => {
      this.activityDue = false;
      cb();
    });
  }

  handleEvent(event: 'open' | 'close'): void {
    this.options.onHandle?.(event);
  }

  /** A name to an IPv4 address: literals, `localhost`, then the owner's `lookup`. */
  resolve(hostname: string): string | undefined {
    if (isIPv4(hostname)) return hostname;
    const name = hostname.toLowerCase().replace(/\.$/, '');
    if (name === 'localhost' || name.endsWith('.localhost')) return '127.0.0.1';
    const found = this.options.lookup?.(hostname);
    return found !== undefined && isIPv4(found) ? found : undefined;
  }

  /** Closes every server and socket the program left open (it is exiting). */
  closeAll(): void {
    for (const c of [...this.live]) c.closeNow();
    this.live.clear();
  }
}

/**
 * A handle in Node's sense: it keeps the program alive while it is open and ref'd. `onHandle`
 * hears `'open'` and `'close'` as that changes, so each open is closed exactly once.
 *
 * A handle that is closing (`closing()`, then `close()` from a later tick) still counts, and
 * `ref`/`unref` no longer change that: the program must hear its 'close' events first.
 */
export class Handle {
  private active = false;
  private refed = true;
  private counted = false;
  private ending = false;

  constructor(private readonly ctx: NodeContext) {}

  open(): void {
    this.active = true;
    this.ending = false;
    this.update();
  }

  /** The handle is being closed: it counts as it does until `close()`. */
  closing(): void {
    this.ending = true;
  }

  close(): void {
    this.active = false;
    this.ending = false;
    this.update();
  }

  ref(): void {
    this.refed = true;
    if (!this.ending) this.update();
  }

  unref(): void {
    this.refed = false;
    if (!this.ending) this.update();
  }

  private update(): void {
    const want = this.active && this.refed;
    if (want === this.counted) return;
    this.counted = want;
    this.ctx.handleEvent(want ? 'open' : 'close');
  }
}
