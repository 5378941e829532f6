/**
 * IPv4 fragmentation (RFC 791 §3.2, RFC 1812 §5.2.6): cuts a datagram larger than the egress
 * MTU into fragments whose data are multiples of 8 bytes, each with its own header. Options
 * without the copy flag are replaced by NOPs after the first fragment, keeping the header
 * length (as Linux does), and a datagram that is itself a fragment keeps its offset and MF.
 *
 * Fragments are cut one at a time into a scratch buffer and handed to the neighbour layer,
 * which sends them (or copies them while ARP resolves), so nothing is allocated.
 */
import { Ipv4Packet } from '@vnet/frame';
import { copyBytes } from '../bytes.js';
import type { Core } from '../core.js';
import type { Interface } from '../iface/interface.js';
import { HEADROOM } from '../layout.js';
import type { SendStatus } from '../protocol.js';

export class Fragmenter {
  private readonly src = new Ipv4Packet();
  private readonly out = new Ipv4Packet();

  constructor(private readonly core: Core) {}

  /** Sends `buf[off, off + len)`, an IPv4 datagram larger than `iface.mtu` without DF, as fragments. */
  send(buf: Uint8Array, off: number, len: number, iface: Interface, nextHop: number): SendStatus {
    const core = this.core;
    const src = this.src.reset(buf, off);
    const hl = src.headerLen;
    const dataLen = len - hl;
    const baseOffset = src.fragmentOffset;
    const moreAfter = src.moreFragments;
    const reserved = buf[off + 6] & 0x80;
    const mtu = iface.mtu;
    const maxData = (mtu - hl) & ~7;
    const out = core.fragFor(mtu);
    const o = this.out.reset(out, HEADROOM);
    let worst: SendStatus = 'sent';
    let pos = 0;
    let n = 0;
    while (pos < dataLen) {
      const chunk = Math.min(maxData, dataLen - pos);
      const last = pos + chunk >= dataLen;
      copyBytes(buf, off, out, HEADROOM, hl);
      if (pos > 0) nopUncopiedOptions(out, HEADROOM + 20, HEADROOM + hl);
      o.totalLen = hl + chunk;
      const flags = (reserved << 8) | (!last || moreAfter ? 0x2000 : 0) | ((baseOffset + pos) >>> 3);
      out[HEADROOM + 6] = flags >>> 8;
      out[HEADROOM + 7] = flags & 0xff;
      o.fillChecksum();
      copyBytes(buf, off + hl + pos, out, HEADROOM + hl, chunk);
      const s = core.neighbors.output(iface, nextHop, out, HEADROOM, hl + chunk);
      if (s === 'dropped' || (s === 'queued' && worst === 'sent')) worst = s;
      pos += chunk;
      n++;
    }
    core.stats.ip.FragOKs++;
    core.stats.ip.FragCreates += n;
    return worst;
  }
}

/** Overwrites every option whose copy flag (bit 7 of the type) is clear with NOPs. */
function nopUncopiedOptions(b: Uint8Array, start: number, end: number): void {
  let i = start;
  while (i < end) {
    const type = b[i];
    if (type === 0) return; // end of option list
    if (type === 1) {
      i++;
      continue;
    }
    const len = i + 1 < end ? b[i + 1] : 0;
    if (len < 2 || i + len > end) {
      b.fill(1, i, end); // malformed: keep none of it
      return;
    }
    if ((type & 0x80) === 0) b.fill(1, i, i + len);
    i += len;
  }
}
