/**
 * A raw frame generator, after Linux's pktgen: it writes Ethernet frames of one size straight
 * into a host's port, as fast as the link takes them, for a given time. It measures the
 * datapath (rings, switch), not the stack: frames carry the local experimental EtherType.
 */
import type { LinkEnd } from '@vnet/link';

export interface PktgenOptions {
  dstMac: number;
  srcMac: number;
  /** Frame length in bytes, 60 … 65535. */
  size: number;
  /** How long to send, in ms. */
  duration: number;
}

export interface PktgenResult {
  sent: number;
  /** Frames the link dropped (it went down, or an impairment dropped them). */
  refused: number;
  elapsed: number;
}

const BURST = 256;

export async function pktgen(port: LinkEnd, o: PktgenOptions): Promise<PktgenResult> {
  const frame = new Uint8Array(o.size);
  const dv = new DataView(frame.buffer);
  dv.setUint16(0, Math.floor(o.dstMac / 2 ** 32));
  dv.setUint32(2, o.dstMac >>> 0);
  dv.setUint16(6, Math.floor(o.srcMac / 2 ** 32));
  dv.setUint32(8, o.srcMac >>> 0);
  dv.setUint16(12, 0x88b5);
  let sent = 0;
  let refused = 0;
  const start = performance.now();
  const end = start + o.duration;
  while (performance.now() < end) {
    // Back-pressure, as a NIC's full TX queue: send only while the ring has room.
    let i = 0;
    for (; i < BURST && port.hasRoom(o.size); i++) {
      if (port.send(frame, 0, o.size)) sent++;
      else refused++;
    }
    // Let the ring publish and the rest of this worker run between bursts. A full ring drains
    // in about a millisecond: wait that long rather than spin on a core the receivers need.
    if (i === 0) await new Promise((r) => setTimeout(r, 1));
    else await new Promise((r) => setImmediate(r));
  }
  return { sent, refused, elapsed: performance.now() - start };
}
