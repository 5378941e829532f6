import { FrameError } from '../errors.js';

/** A MAC address is a 48-bit integer, exact in a double: cheap to compare, hash and store. */
export type Mac = number;

export const MAC_BROADCAST: Mac = 0xffff_ffff_ffff;
export const MAC_ZERO: Mac = 0;

const MAC_TEXT = /^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/i;
const MAC_DOTTED = /^([0-9a-f]{4})\.([0-9a-f]{4})\.([0-9a-f]{4})$/i;

/** Parses `00:11:22:33:44:55`, `00-11-22-33-44-55` or Cisco's `0011.2233.4455`. */
export function parseMac(text: string): Mac {
  const m = MAC_TEXT.exec(text.trim());
  const hex = m ? m.slice(1).join('') : MAC_DOTTED.exec(text.trim())?.slice(1).join('');
  if (hex === undefined) {
    throw new FrameError('bad-address', 'mac', 0, `"${text}" is not a MAC address; write six hex bytes like 00:00:00:00:00:01`);
  }
  return Number.parseInt(hex, 16);
}

/** `00:00:00:00:00:01`: lower case, colon separated, as iproute2 and Wireshark print it. */
export function formatMac(mac: Mac): string {
  const hex = mac.toString(16).padStart(12, '0');
  return `${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}:${hex.slice(6, 8)}:${hex.slice(8, 10)}:${hex.slice(10, 12)}`;
}

/** The I/G bit: set for multicast and broadcast destinations. */
export function isMulticastMac(mac: Mac): boolean {
  return Math.floor(mac / 0x100_0000_0000) % 2 === 1;
}

/** The U/L bit: set for locally administered addresses (what vnet hands out). */
export function isLocalMac(mac: Mac): boolean {
  return (Math.floor(mac / 0x100_0000_0000) & 2) !== 0;
}

export function isValidMac(mac: number): mac is Mac {
  return Number.isInteger(mac) && mac >= 0 && mac <= MAC_BROADCAST;
}

/** Accepts a MAC as text or number, the way builders and the CLI take it. */
export function toMac(mac: Mac | string): Mac {
  if (typeof mac === 'string') return parseMac(mac);
  if (!isValidMac(mac)) throw new FrameError('bad-address', 'mac', 0, `${mac} is not a 48-bit MAC address`);
  return mac;
}
