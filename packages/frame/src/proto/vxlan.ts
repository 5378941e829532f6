import { setU24, setU32, u24 } from '../bytes.js';
import { FrameError, needBytes } from '../errors.js';

/**
 * VXLAN (RFC 7348): an 8-byte header in UDP that carries a whole Ethernet frame of the
 * 24-bit virtual network `vni`. Flags, 3 reserved bytes, VNI, 1 reserved byte.
 */
export const VXLAN_HEADER_LEN = 8;
export const VXLAN_PORT = 4789;

/** The I flag: the VNI is valid. RFC 7348 defines no other bit. */
export const VXLAN_FLAG_VNI = 0x08;

const F = { FLAGS: 0, VNI: 4 } as const;

const EMPTY = new Uint8Array(0);

export class VxlanHeader {
  constructor(
    public bytes: Uint8Array = EMPTY,
    public offset = 0,
  ) {}

  static checked(bytes: Uint8Array, offset = 0): VxlanHeader {
    needBytes('vxlan', bytes.length, offset, VXLAN_HEADER_LEN);
    return new VxlanHeader(bytes, offset);
  }

  reset(bytes: Uint8Array, offset = 0): this {
    this.bytes = bytes;
    this.offset = offset;
    return this;
  }

  get flags(): number {
    return this.bytes[this.offset + F.FLAGS];
  }
  set flags(v: number) {
    this.bytes[this.offset + F.FLAGS] = v;
  }
  get vniValid(): boolean {
    return (this.flags & VXLAN_FLAG_VNI) !== 0;
  }
  get vni(): number {
    return u24(this.bytes, this.offset + F.VNI);
  }
  set vni(v: number) {
    setU24(this.bytes, this.offset + F.VNI, v);
  }

  /** The inner Ethernet frame starts here. */
  get payloadOffset(): number {
    return this.offset + VXLAN_HEADER_LEN;
  }
  payload(): Uint8Array {
    return this.bytes.subarray(this.payloadOffset);
  }
}

export interface VxlanRepr {
  vni: number;
  /** The flags byte; absent means just the I flag, the only value RFC 7348 defines. */
  flags?: number;
}

export const Vxlan = {
  headerLen: VXLAN_HEADER_LEN,

  parse(bytes: Uint8Array, offset = 0): VxlanRepr {
    const h = VxlanHeader.checked(bytes, offset);
    return h.flags === VXLAN_FLAG_VNI ? { vni: h.vni } : { vni: h.vni, flags: h.flags };
  },

  bufferLen(_repr: VxlanRepr): number {
    return VXLAN_HEADER_LEN;
  },

  /** Writes the header; reserved bytes are zero. */
  emit(repr: VxlanRepr, buf: Uint8Array, offset = 0): number {
    if (!Number.isInteger(repr.vni) || repr.vni < 0 || repr.vni > 0xff_ffff) {
      throw new FrameError('bad-value', 'vxlan', 0, `VNI ${repr.vni} is outside 0-16777215`);
    }
    setU32(buf, offset + F.FLAGS, 0);
    buf[offset + F.FLAGS] = repr.flags ?? VXLAN_FLAG_VNI;
    setU32(buf, offset + F.VNI, repr.vni << 8);
    return VXLAN_HEADER_LEN;
  },
};
