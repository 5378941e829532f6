import { hexNum, toHex } from '../bytes.js';
import type { FrameError } from '../errors.js';

/** A field value as the dissector reports it: numbers and flags as themselves, addresses as text. */
export type FieldValue = number | boolean | string;

/** One named field, named as Wireshark's display filters name it (`ip.ttl`, `tcp.flags.syn`). */
export interface Field {
  name: string;
  value: FieldValue;
  offset: number;
  length: number;
}

/** One protocol layer of a frame, named as Wireshark names the protocol (`eth`, `ip`, `tcp`). */
export interface Layer {
  protocol: string;
  title: string;
  offset: number;
  length: number;
  fields: Field[];
}

export interface Dissection {
  layers: Layer[];
  /** One line in the style of tcpdump. */
  summary: string;
  /** Set when the frame is malformed: the layers before it are still there. */
  error?: FrameError;
}

/** Where a dissector hands over: the next protocol's name and its bytes `[offset, end)`. */
export interface Next {
  protocol: string;
  offset: number;
  end: number;
}

/** A protocol's dissector: adds its layer to `d` and says what follows. Throws only FrameError. */
export type Dissector = (d: DissectContext, b: Uint8Array, offset: number, end: number) => Next | undefined;

/** The dissection under construction, handed from layer to layer. */
export class DissectContext {
  readonly layers: Layer[] = [];
  /** Set by each layer that has something to say; the innermost wins. */
  summary = '';
  /** What outer layers put in front of the summary (VLAN tags, tunnels). */
  prefix = '';
  /** The innermost network layer's family and addresses, for transport summaries. */
  net: { family: 'IP' | 'IP6'; src: string; dst: string } | undefined;
  /**
   * Set by IP for the first fragment of a fragmented packet: the transport header is here but
   * its payload is cut short, so transport layers must not hold it to its length fields.
   */
  firstFragment = false;

  begin(protocol: string, title: string, offset: number, length: number): Layer {
    const layer: Layer = { protocol, title, offset, length, fields: [] };
    this.layers.push(layer);
    return layer;
  }

  /** `tcpdump`'s `IP a.port > b.port: ` prefix of a transport summary. */
  endpoints(srcPort: number, dstPort: number): string {
    const n = this.net;
    return n ? `${n.family} ${n.src}.${srcPort} > ${n.dst}.${dstPort}: ` : '';
  }
}

export function add(layer: Layer, name: string, value: FieldValue, offset: number, length: number): void {
  layer.fields.push({ name, value, offset, length });
}

/** Bytes as Wireshark prints them in JSON: colon-separated hex. */
export function bytesValue(b: Uint8Array, start: number, end: number): string {
  return toHex(b.subarray(start, end), ':');
}

/** Text as Wireshark shows an ASCII string field: up to the first NUL, each byte above 0x7f as U+FFFD. */
export function asciiValue(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end && b[i] !== 0; i++) s += b[i] < 0x80 ? String.fromCharCode(b[i]) : '\ufffd';
  return s;
}

/** Source and destination port of the UDP header right before an application payload at `offset`. */
export function udpPortsBefore(b: Uint8Array, offset: number): [src: number, dst: number] {
  if (offset < 8) return [0, 0];
  return [(b[offset - 8] << 8) | b[offset - 7], (b[offset - 6] << 8) | b[offset - 5]];
}

export { hexNum };
