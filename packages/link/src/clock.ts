/**
 * The one clock of the data path: milliseconds since the epoch as
 * `performance.timeOrigin + performance.now()`. Each worker has its own time origin, but the sum
 * agrees across the threads of a process to within microseconds, so a sender in one worker can
 * stamp a frame's delivery time and the receiver in another can honour it.
 */

/** Returns the current time in ms; tests pass their own to run in emulated time. */
export type Clock = () => number;

export const sharedClock: Clock = () => performance.timeOrigin + performance.now();
