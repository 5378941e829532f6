/**
 * One ref'd timer per thread keeps the thread alive while any link end that can be woken from
 * another thread is open: a pending Atomics.waitAsync does not hold the event loop by itself,
 * so without this a worker whose only job is to answer frames would exit. Released with the
 * last end; `LinkEnd.unref()` opts an end out, as `socket.unref()` does.
 */

let holders = 0;
let timer: NodeJS.Timeout | undefined;
const idle = (): void => {};

export function holdThread(): void {
  if (holders++ === 0) timer = setInterval(idle, 0x7fffffff);
}

export function releaseThread(): void {
  if (--holders === 0 && timer !== undefined) {
    clearInterval(timer);
    timer = undefined;
  }
}
