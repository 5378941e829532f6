/**
 * What a connection needs from the TCP layer around it: the clock, buffers to build segments
 * in, the way out, and the table it lives in. A seam, so the connection's logic reads alone.
 */
import type { TcpSocket } from './connection.js';
import type { TcpStats } from './stats.js';

export interface TcpHost {
  /** The stack's clock (ms), as of the last poll. */
  readonly now: number;
  readonly stats: TcpStats;
  /** How long a connection stays in TIME_WAIT (ms). */
  readonly timeWaitMs: number;
  /** The buffer to build a segment of `length` bytes in, at `PAYLOAD_AT`. */
  buffer(length: number): Uint8Array;
  /** Sends the segment just built (`length` bytes at `PAYLOAD_AT`) from the connection's addresses. */
  send(conn: TcpSocket, length: number): void;
  /** Whether segments towards `remote` leave through an interface with checksum offload. */
  offloadTo(remote: number): boolean;
  /** The MSS to announce towards `remote`: the route's MTU less the headers. */
  mssFor(remote: number): number;
  /** Lets the connection send what it can, inside the stack's re-entrancy guard. */
  run(conn: TcpSocket): void;
  /** The connection's deadlines changed. */
  timerChanged(conn: TcpSocket): void;
  established(conn: TcpSocket): void;
  /** The application was told the connection is over (it may linger in TIME_WAIT). */
  closed(conn: TcpSocket): void;
  /** The connection leaves the table. */
  remove(conn: TcpSocket): void;
}
