/**
 * Two stacks with Node-shaped modules each, and a driver that runs the lab's virtual clock from
 * the event loop (1 ms per turn) while Node's streams and timers do their part.
 */
import type { EventEmitter } from 'node:events';
import type { Stack } from '../src/index.js';
import { type NodeModules, nodeModules } from '../src/node/index.js';
import { Lab } from './lab.js';

export const HOSTS: Record<string, string> = { a: '10.0.0.1', b: '10.0.0.2' };

export interface Host {
  stack: Stack;
  m: NodeModules;
  /** Live handles by onHandle, and every event in order. */
  handles: { live: number; opened: number; closed: number; events: Array<'open' | 'close'> };
}

export interface NodeLab {
  lab: Lab;
  a: Host;
  b: Host;
  /** Runs the network until `p` settles (or `until()` holds); throws after `turns` event-loop turns. */
  drive<T>(p: Promise<T>, turns?: number): Promise<T>;
  until(cond: () => boolean, turns?: number): Promise<void>;
  close(): void;
}

function host(stack: Stack): Host {
  const handles: Host['handles'] = { live: 0, opened: 0, closed: 0, events: [] };
  const m = nodeModules(stack, {
    lookup: (name) => HOSTS[name],
    onHandle: (e) => {
      handles.events.push(e);
      if (e === 'open') {
        handles.live++;
        handles.opened++;
      } else {
        handles.live--;
        handles.closed++;
      }
      if (handles.live < 0) throw new Error('onHandle closed more handles than it opened');
    },
  });
  return { stack, m, handles };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function nodeLab(): NodeLab {
  const lab = new Lab();
  const a = lab.stack({ hostname: 'a' });
  const b = lab.stack({ hostname: 'b' });
  lab.link(a, 'a-eth0', '10.0.0.1/24', b, 'b-eth0', '10.0.0.2/24');
  lab.advance(1);
  const until = async (cond: () => boolean, turns = 200_000): Promise<void> => {
    // The network acts from later event-loop turns, as frames arrive from macrotasks in a worker.
    for (let i = 0; !cond(); i++) {
      if (i >= turns) throw new Error(`the condition did not hold after ${turns} turns (${lab.now} ms of lab time)`);
      await turn();
      if (!cond()) lab.advance(1);
    }
  };
  const drive = async <T>(p: Promise<T>, turns = 200_000): Promise<T> => {
    let settled = false;
    const watched = p.finally(() => {
      settled = true;
    });
    // Unhandled until awaited below: attach a no-op so a rejection is not reported early.
    watched.catch(() => {});
    await until(() => settled, turns);
    return watched;
  };
  return { lab, a: host(a), b: host(b), drive, until, close: () => lab.close() };
}

/** Resolves with the first emission of `event` (its arguments), rejects on 'error' first. */
export function once<T extends unknown[] = unknown[]>(emitter: EventEmitter, event: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onEvent = (...args: unknown[]) => {
      emitter.off('error', onError);
      resolve(args as T);
    };
    const onError = (e: unknown) => {
      emitter.off(event, onEvent);
      reject(e);
    };
    emitter.once(event, onEvent);
    if (event !== 'error') emitter.once('error', onError);
  });
}
