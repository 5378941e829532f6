/**
 * One timer per worker for all its nodes' timers. Nodes take time from `poll(now)` and say
 * when they next need it (`pollAt`), as smoltcp's interfaces do; the poller keeps a single
 * setTimeout for the earliest of them, and re-plans after frames arrived or a command acted,
 * since either may have started a timer (an ARP retry, a reassembly timeout).
 */
import { sharedClock } from '@vnet/link';

export interface Pollable {
  poll(now: number): void;
  pollAt(): number | undefined;
}

export class Poller {
  private readonly nodes: Pollable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private due = Number.POSITIVE_INFINITY;
  private planned = false;
  private closed = false;

  readonly now = sharedClock;

  add(node: Pollable): void {
    this.nodes.push(node);
    this.replan();
  }

  /** Polls every node now and plans the next wake-up. */
  pollNow(): void {
    if (this.closed) return;
    const now = this.now();
    for (const n of this.nodes) n.poll(now);
    this.plan();
  }

  /** Something happened (frames, a command): plan again once the current task is done. */
  replan(): void {
    if (this.planned || this.closed) return;
    this.planned = true;
    queueMicrotask(() => {
      this.planned = false;
      this.plan();
    });
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private plan(): void {
    if (this.closed) return;
    let due = Number.POSITIVE_INFINITY;
    for (const n of this.nodes) {
      const at = n.pollAt();
      if (at !== undefined && at < due) due = at;
    }
    if (due === this.due && this.timer) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.due = due;
    if (due === Number.POSITIVE_INFINITY) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.due = Number.POSITIVE_INFINITY;
        this.pollNow();
      },
      Math.max(0, due - this.now()),
    );
  }
}
