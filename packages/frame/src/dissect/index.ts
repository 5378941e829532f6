import { FrameError } from '../errors.js';
import { dissectArp } from './arp.js';
import type { Dissection, Dissector, FieldValue, Next } from './context.js';
import { DissectContext } from './context.js';
import { dissectDhcp } from './dhcp.js';
import { dissectDns } from './dns.js';
import { dissectData, dissectEthernet, dissectVlan } from './ethernet.js';
import { dissectIcmpv4 } from './icmpv4.js';
import { dissectIcmpv6 } from './icmpv6.js';
import { dissectIpv4 } from './ipv4.js';
import { dissectIpv6 } from './ipv6.js';
import { dissectLacp } from './lacp.js';
import { dissectLldp } from './lldp.js';
import { dissectLlc } from './stp.js';
import { dissectTcp } from './tcp.js';
import { dissectUdp } from './udp.js';
import { dissectVxlan } from './vxlan.js';

/** Every dissector by the protocol name the tables hand over to. */
const DISSECTORS: Record<string, Dissector> = {
  eth: dissectEthernet,
  vlan: dissectVlan,
  arp: dissectArp,
  ip: dissectIpv4,
  ipv6: dissectIpv6,
  icmp: dissectIcmpv4,
  icmpv6: dissectIcmpv6,
  udp: dissectUdp,
  tcp: dissectTcp,
  vxlan: dissectVxlan,
  dhcp: dissectDhcp,
  dns: dissectDns,
  llc: dissectLlc,
  lldp: dissectLldp,
  slow: dissectLacp,
  data: dissectData,
};

/**
 * Decodes a whole Ethernet frame into layers of named fields and a one-line summary. It never
 * throws: a malformed layer stops the dissection and is reported in `error`, with every layer
 * before it kept, as Wireshark marks a frame [Malformed Packet].
 */
export function dissect(bytes: Uint8Array): Dissection {
  const d = new DissectContext();
  let next: Next | undefined = { protocol: 'eth', offset: 0, end: bytes.length };
  let error: FrameError | undefined;
  try {
    // A frame can hold at most a few dozen headers; the bound guards against a dissector loop.
    for (let depth = 0; next && depth < 64; depth++) {
      next = (DISSECTORS[next.protocol] ?? dissectData)(d, bytes, next.offset, next.end);
    }
  } catch (e) {
    if (!(e instanceof FrameError)) throw e;
    error = e;
  }
  const summary = d.prefix + (error ? `${d.summary} [malformed: ${error.message}]` : d.summary);
  return error ? { layers: d.layers, summary, error } : { layers: d.layers, summary };
}

/**
 * The fields of a dissection as one flat object, the shape of `vnet decode --json`: a name
 * that occurs once maps to its value, a repeated one (two VLAN tags, three DNS answers) to
 * the list of its values in frame order.
 */
export function fieldMap(dissection: Dissection): Record<string, FieldValue | FieldValue[]> {
  const out: Record<string, FieldValue | FieldValue[]> = {};
  for (const layer of dissection.layers) {
    for (const { name, value } of layer.fields) {
      const prev = out[name];
      if (prev === undefined) out[name] = value;
      else if (Array.isArray(prev)) prev.push(value);
      else out[name] = [prev, value];
    }
  }
  return out;
}

export type { Dissection, Dissector, Field, FieldValue, Layer, Next } from './context.js';
export { add, bytesValue, DissectContext } from './context.js';
