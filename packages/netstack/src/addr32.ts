/**
 * Addresses on the per-frame paths are handled as int32 (`a | 0`), whatever their value.
 * @vnet/frame's accessors return IPv4 addresses as uint32, and those of 128.0.0.0 and above
 * (192.168/16, 172.16/12) are doubles: V8 boxes a double on the heap whenever it crosses a call
 * it did not inline, so each frame from such a network would allocate. An int32 never does.
 * Every comparison on those paths is written to accept either form (`(a | 0) === b32`), and the
 * uint32 form comes back (`>>> 0`) only where addresses leave the stack.
 */
import type { Ipv4Packet } from '@vnet/frame';

/** 255.255.255.255 as an int32. */
export const BROADCAST32 = -1;

export function i32(b: Uint8Array, o: number): number {
  return (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
}

/** The source address of `ip`, as an int32. */
export function src32(ip: Ipv4Packet): number {
  return i32(ip.bytes, ip.offset + 12);
}

/** The destination address of `ip`, as an int32. */
export function dst32(ip: Ipv4Packet): number {
  return i32(ip.bytes, ip.offset + 16);
}
