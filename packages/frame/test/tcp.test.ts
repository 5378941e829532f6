import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameError, fromHex, pseudoHeaderSum4, Tcp, TcpFlags, type TcpOption, type TcpRepr, TcpSegment } from '../src/index.js';

// scapy: TCP(sport=1234, dport=80, seq=1000, ack=2000, flags='PA', window=512, options=[MSS 1460, NOP,
// WScale 7, SAckOK, Timestamp (11, 22), SAck (100, 200)])/'GET' from 10.0.0.1 to 10.0.0.2
const SEGMENT = fromHex('04d20050000003e8000007d0d01802004f620000020405b4010303070402080a0000000b00000016050a00000064000000c80000474554');
const PSEUDO = pseudoHeaderSum4(0x0a000001, 0x0a000002, 6, SEGMENT.length);

const REPR: TcpRepr = {
  srcPort: 1234,
  dstPort: 80,
  seq: 1000,
  ack: 2000,
  flags: TcpFlags.PSH | TcpFlags.ACK,
  window: 512,
  urgentPointer: 0,
  options: [
    { kind: 'mss', mss: 1460 },
    { kind: 'nop' },
    { kind: 'window-scale', shift: 7 },
    { kind: 'sack-permitted' },
    { kind: 'timestamp', tsval: 11, tsecr: 22 },
    { kind: 'sack', blocks: [[100, 200]] },
  ],
  payloadLen: 3,
};

describe('TCP', () => {
  it('deconstructs', () => {
    const s = TcpSegment.checked(SEGMENT);
    expect([s.srcPort, s.dstPort, s.seq, s.ack, s.headerLen, s.flags, s.window]).toEqual([1234, 80, 1000, 2000, 52, 0x18, 512]);
    expect([s.syn, s.fin, s.rst]).toEqual([false, false, false]);
    expect(new TextDecoder().decode(s.payload())).toBe('GET');
  });

  it('constructs through setters', () => {
    const buf = SEGMENT.slice();
    const s = new TcpSegment(buf);
    s.flags = TcpFlags.SYN;
    s.seq = 0xffffffff;
    expect(s.syn).toBe(true);
    expect(s.seq).toBe(0xffffffff);
    expect(s.headerLen).toBe(52);
  });

  it('parses', () => {
    expect(Tcp.parse(SEGMENT, 0, SEGMENT.length, { pseudoSum: PSEUDO, check: 'verify' })).toEqual(REPR);
  });

  it('emits byte for byte what scapy built', () => {
    const buf = SEGMENT.slice();
    buf.fill(0, 0, 52);
    expect(Tcp.emit(REPR, buf, 0, { pseudoSum: PSEUDO, mode: 'compute' })).toBe(52);
    expect(buf).toEqual(SEGMENT);
  });

  it('refuses impossible options and lengths', () => {
    const badOpt = SEGMENT.slice();
    badOpt[21] = 1; // MSS with length 1
    expect(() => Tcp.parse(badOpt)).toThrow(expect.objectContaining({ code: 'bad-value', layer: 'tcp' }));
    const badOff = SEGMENT.slice();
    badOff[12] = 0x40; // data offset 16 bytes
    expect(() => Tcp.parse(badOff)).toThrow(expect.objectContaining({ code: 'bad-length' }));
    expect(() => Tcp.parse(SEGMENT.subarray(0, 19))).toThrow(FrameError);
    const badSum = SEGMENT.slice();
    badSum[53] ^= 1;
    expect(() => Tcp.parse(badSum, 0, badSum.length, { pseudoSum: PSEUDO, check: 'verify' })).toThrow(
      expect.objectContaining({ code: 'bad-checksum' }),
    );
  });

  it('round-trips every repr', () => {
    const u32 = fc.integer({ min: 0, max: 0xffffffff });
    const option: fc.Arbitrary<TcpOption> = fc.oneof(
      fc.constant({ kind: 'nop' as const }),
      fc.record({ kind: fc.constant('mss' as const), mss: fc.integer({ min: 0, max: 0xffff }) }),
      fc.record({ kind: fc.constant('window-scale' as const), shift: fc.integer({ min: 0, max: 255 }) }),
      fc.constant({ kind: 'sack-permitted' as const }),
      fc.record({ kind: fc.constant('sack' as const), blocks: fc.array(fc.tuple(u32, u32), { minLength: 1, maxLength: 3 }) }),
      fc.record({ kind: fc.constant('timestamp' as const), tsval: u32, tsecr: u32 }),
      fc.record({
        kind: fc.constant('unknown' as const),
        type: fc.integer({ min: 9, max: 255 }),
        data: fc.uint8Array({ maxLength: 6 }),
      }),
    );
    const repr = fc.record({
      srcPort: fc.integer({ min: 0, max: 0xffff }),
      dstPort: fc.integer({ min: 0, max: 0xffff }),
      seq: u32,
      ack: u32,
      flags: fc.integer({ min: 0, max: 0xfff }),
      window: fc.integer({ min: 0, max: 0xffff }),
      urgentPointer: fc.integer({ min: 0, max: 0xffff }),
      options: fc
        .array(option, { maxLength: 4 })
        .filter((o) => o.reduce((n, x) => n + Tcp.bufferLen({ ...REPR, options: [x] }) - 20, 0) <= 40),
      payloadLen: fc.integer({ min: 0, max: 100 }),
    });
    fc.assert(
      fc.property(repr, (r) => {
        const hl = Tcp.bufferLen(r);
        fc.pre(hl <= 60);
        const buf = new Uint8Array(hl + r.payloadLen);
        Tcp.emit(r, buf, 0, { pseudoSum: 7, mode: 'compute' });
        expect(Tcp.parse(buf, 0, buf.length, { pseudoSum: 7, check: 'verify' })).toEqual(r);
      }),
    );
  });
});
