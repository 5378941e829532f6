import { setU16, u16 } from '../bytes.js';
import { FrameError, needBytes } from '../errors.js';

/**
 * An 802.1Q tag as it follows the EtherType 0x8100 (or 0x88a8 for the 802.1ad service tag of
 * QinQ): TCI (priority, drop-eligible, VLAN ID) then the inner EtherType. Tags stack: a QinQ
 * frame is Ethernet(0x88a8) → tag(S-VID, 0x8100) → tag(C-VID, 0x0800) → IPv4.
 */
export const VLAN_TAG_LEN = 4;

const F = { TCI: 0, TYPE: 2 } as const;

const EMPTY = new Uint8Array(0);

export class VlanTag {
  constructor(
    public bytes: Uint8Array = EMPTY,
    public offset = 0,
  ) {}

  static checked(bytes: Uint8Array, offset = 0): VlanTag {
    needBytes('vlan', bytes.length, offset, VLAN_TAG_LEN);
    return new VlanTag(bytes, offset);
  }

  reset(bytes: Uint8Array, offset = 0): this {
    this.bytes = bytes;
    this.offset = offset;
    return this;
  }

  /** Tag control information: PCP(3) DEI(1) VID(12). */
  get tci(): number {
    return u16(this.bytes, this.offset + F.TCI);
  }
  set tci(v: number) {
    setU16(this.bytes, this.offset + F.TCI, v);
  }

  get pcp(): number {
    return this.bytes[this.offset] >>> 5;
  }

  get dei(): boolean {
    return (this.bytes[this.offset] & 0x10) !== 0;
  }

  get vid(): number {
    return this.tci & 0x0fff;
  }

  /** The EtherType of what the tag encloses. */
  get ethertype(): number {
    return u16(this.bytes, this.offset + F.TYPE);
  }
  set ethertype(v: number) {
    setU16(this.bytes, this.offset + F.TYPE, v);
  }

  get payloadOffset(): number {
    return this.offset + VLAN_TAG_LEN;
  }
}

export interface VlanRepr {
  /** Priority code point, 0-7. */
  pcp: number;
  /** Drop eligible indicator (formerly CFI). */
  dei: boolean;
  /** VLAN ID, 0-4095 (0: priority tag only; 4095 reserved). */
  vid: number;
  /** EtherType of the enclosed payload. */
  ethertype: number;
}

export function vlanTci(pcp: number, dei: boolean, vid: number): number {
  if (!Number.isInteger(vid) || vid < 0 || vid > 4095) {
    throw new FrameError('bad-value', 'vlan', 0, `VLAN ID ${vid} is outside 0-4095`);
  }
  if (!Number.isInteger(pcp) || pcp < 0 || pcp > 7) {
    throw new FrameError('bad-value', 'vlan', 0, `priority ${pcp} is outside 0-7`);
  }
  return (pcp << 13) | (dei ? 0x1000 : 0) | vid;
}

export const Vlan = {
  headerLen: VLAN_TAG_LEN,

  parse(bytes: Uint8Array, offset = 0): VlanRepr {
    const t = VlanTag.checked(bytes, offset);
    return { pcp: t.pcp, dei: t.dei, vid: t.vid, ethertype: t.ethertype };
  },

  bufferLen(_repr: VlanRepr): number {
    return VLAN_TAG_LEN;
  },

  emit(repr: VlanRepr, buf: Uint8Array, offset = 0): number {
    setU16(buf, offset + F.TCI, vlanTci(repr.pcp, repr.dei, repr.vid));
    setU16(buf, offset + F.TYPE, repr.ethertype);
    return VLAN_TAG_LEN;
  },
};
