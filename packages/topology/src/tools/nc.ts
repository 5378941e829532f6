/**
 * `nc` (netcat, OpenBSD's options) over the host's TCP: listen and print what arrives, connect
 * and send standard input (`echo hello | nc 10.0.0.2 80`), or only try the port (`-z`).
 */
import { formatIpv4, parseIpv4 } from '@vnet/frame';
import type { TcpSocket } from '@vnet/netstack';
import { TopologyError } from '../errors.js';
import { numberOption, parseShortOptions, usage } from './args.js';
import type { IperfHost } from './iperf.js';

const USAGE = 'usage: nc [-vz] [-w timeout] host port | nc -l [-k] [-p] port';

export async function nc(
  host: IperfHost,
  args: string[],
  write: (text: string) => void,
  signal: AbortSignal | undefined,
  stdin: string | undefined,
): Promise<void> {
  const { opts, rest } = parseShortOptions('nc', args, 'pw', 'lkvzN');
  if (opts.has('l')) {
    const port = opts.has('p') ? numberOption('nc', opts, 'p', 0, 1, 65535) : portOf(rest[0]);
    await listen(host, port, opts.has('k'), write, signal);
    return;
  }
  if (rest.length !== 2) throw usage('nc', USAGE);
  let address: number;
  try {
    address = parseIpv4(rest[0]);
  } catch {
    throw usage('nc', `getaddrinfo for host "${rest[0]}" port ${rest[1]}: Name or service not known`);
  }
  const port = portOf(rest[1]);
  const timeout = numberOption('nc', opts, 'w', 0, 0, 86_400) * 1000;
  const socket = host.stack.tcp.connect({ address, port });
  const decoder = new TextDecoder();
  socket.onData = (b, o, n) => write(decoder.decode(b.subarray(o, o + n), { stream: true }));
  socket.onEnd = () => socket.end();
  const done = new Promise<void>((resolve, reject) => {
    socket.onConnect = () => {
      if (opts.has('v') || opts.has('z')) write(`Connection to ${formatIpv4(address)} ${port} port [tcp/*] succeeded!\n`);
      if (opts.has('z')) {
        socket.end();
        return;
      }
      if (stdin !== undefined) socket.write(new TextEncoder().encode(stdin));
      // Standard input is over: half-close, and print what comes back until the peer closes.
      socket.end();
      host.kick();
    };
    socket.onClose = (e) => {
      if (!e) resolve();
      else if (e.code === 'connection-refused')
        reject(usage('nc', `connect to ${formatIpv4(address)} port ${port} (tcp) failed: Connection refused`));
      else reject(usage('nc', e.message));
    };
  });
  host.kick();
  await until(done, socket, signal, timeout);
}

async function listen(
  host: IperfHost,
  port: number,
  keep: boolean,
  write: (text: string) => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const listener = host.stack.tcp.listen({
    port,
    onConnection: (socket) => {
      const decoder = new TextDecoder();
      socket.onData = (b, o, n) => write(decoder.decode(b.subarray(o, o + n), { stream: true }));
      socket.onEnd = () => socket.end();
      socket.onClose = () => {
        if (!keep) finish();
      };
      if (!keep) listener.close();
    },
  });
  try {
    await until(finished, undefined, signal, 0);
  } finally {
    listener.close();
  }
}

function portOf(text: string | undefined): number {
  const n = Number(text);
  if (!text || !Number.isInteger(n) || n < 1 || n > 65535) throw usage('nc', `port number invalid: ${text ?? '(none)'}; ${USAGE}`);
  return n;
}

/** Waits for `p`; Ctrl-C or the `-w` timeout end it, closing the socket. */
async function until(p: Promise<void>, socket: TcpSocket | undefined, signal: AbortSignal | undefined, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: () => void = () => {};
  const stop = new Promise<void>((resolve, reject) => {
    onAbort = () => {
      socket?.destroy();
      resolve();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs > 0) {
      timer = setTimeout(() => {
        socket?.destroy();
        reject(new TopologyError('timeout', 'nc: connection timed out'));
      }, timeoutMs);
    }
  });
  try {
    await Promise.race([p, stop]);
  } finally {
    if (timer) clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}
