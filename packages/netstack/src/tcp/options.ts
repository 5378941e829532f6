/**
 * TCP options as a connection reads and writes them (RFC 9293 MSS, RFC 7323 window scale and
 * timestamps, RFC 2018 SACK): parsed into one reused record, written straight into the
 * segment being built. Nothing allocates per segment.
 */
import { setU16, setU32, TcpOptionKind, u16, u32 } from '@vnet/frame';

/** What a received segment's options said. */
export class SegmentOptions {
  /** 0 when absent. */
  mss = 0;
  /** -1 when absent. */
  wscale = -1;
  sackOk = false;
  ts = false;
  tsVal = 0;
  tsEcr = 0;
  /** SACK blocks as left, right pairs. */
  readonly sack = new Uint32Array(8);
  sackBlocks = 0;

  /** Reads the options in `b[start, end)`; false when one has an impossible length. */
  parse(b: Uint8Array, start: number, end: number): boolean {
    this.mss = 0;
    this.wscale = -1;
    this.sackOk = false;
    this.ts = false;
    this.sackBlocks = 0;
    let i = start;
    while (i < end) {
      const kind = b[i];
      if (kind === TcpOptionKind.EOL) break;
      if (kind === TcpOptionKind.NOP) {
        i++;
        continue;
      }
      if (i + 1 >= end) return false;
      const len = b[i + 1];
      if (len < 2 || i + len > end) return false;
      switch (kind) {
        case TcpOptionKind.MSS:
          if (len !== 4) return false;
          this.mss = u16(b, i + 2);
          break;
        case TcpOptionKind.WindowScale:
          if (len !== 3) return false;
          this.wscale = Math.min(b[i + 2], 14);
          break;
        case TcpOptionKind.SackPermitted:
          if (len !== 2) return false;
          this.sackOk = true;
          break;
        case TcpOptionKind.Timestamp:
          if (len !== 10) return false;
          this.ts = true;
          this.tsVal = u32(b, i + 2);
          this.tsEcr = u32(b, i + 6);
          break;
        case TcpOptionKind.Sack: {
          if ((len - 2) % 8 !== 0) return false;
          const n = Math.min((len - 2) / 8, 4);
          for (let k = 0; k < n; k++) {
            this.sack[2 * k] = u32(b, i + 2 + 8 * k);
            this.sack[2 * k + 1] = u32(b, i + 6 + 8 * k);
          }
          this.sackBlocks = n;
          break;
        }
      }
      i += len;
    }
    return true;
  }
}

/**
 * The options of a SYN or SYN-ACK in Linux's order (MSS, SACK permitted, timestamps, window
 * scale), each only when offered (`wscale` -1: none); returns their length, a multiple of 4.
 */
export function writeSynOptions(
  b: Uint8Array,
  at: number,
  mss: number,
  sack: boolean,
  ts: boolean,
  tsVal: number,
  tsEcr: number,
  wscale: number,
): number {
  let i = at;
  b[i++] = TcpOptionKind.MSS;
  b[i++] = 4;
  setU16(b, i, mss);
  i += 2;
  if (sack && ts) {
    b[i++] = TcpOptionKind.SackPermitted;
    b[i++] = 2;
  } else if (sack) {
    b[i++] = TcpOptionKind.NOP;
    b[i++] = TcpOptionKind.NOP;
    b[i++] = TcpOptionKind.SackPermitted;
    b[i++] = 2;
  } else if (ts) {
    b[i++] = TcpOptionKind.NOP;
    b[i++] = TcpOptionKind.NOP;
  }
  if (ts) {
    writeTimestamp(b, i, tsVal, tsEcr);
    i += 10;
  }
  if (wscale >= 0) {
    b[i++] = TcpOptionKind.NOP;
    b[i++] = TcpOptionKind.WindowScale;
    b[i++] = 3;
    b[i++] = wscale;
  }
  return i - at;
}

/** A timestamp option (10 bytes). */
export function writeTimestamp(b: Uint8Array, at: number, tsVal: number, tsEcr: number): void {
  b[at] = TcpOptionKind.Timestamp;
  b[at + 1] = 10;
  setU32(b, at + 2, tsVal);
  setU32(b, at + 6, tsEcr);
}
