import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CaptureReader,
  type CaptureRecord,
  FrameError,
  fromHex,
  MAX_CAPTURE_RECORD_LEN,
  PcapWriter,
  readCapture,
  writePcap,
} from '../src/index.js';

// scapy's wrpcap: little-endian, µs, snaplen 65535. UDP 10.0.0.1:1234 → 10.0.0.2:53 "hi" at
// 1700000000.123456, IPv6 TCP SYN-ACK fd00::2:80 → fd00::1:4000 at 1700000001.000001,
// ARP who-has 10.0.0.1 tell 10.0.0.3 at 1700000002.5.
const SCAPY_US = fromHex(`
d4c3b2a1020004000000000000000000ffff00000100000000f1536540e201002c0000002c00000002000000000202000000000108004500001e000100004011
66cc0a0000010a00000204d20035000a7e67686901f15365010000004a0000004a00000002000000000102000000000286dd6000000000140640fd0000000000
00000000000000000002fd00000000000000000000000000000100500fa000000000000000005012200085de000002f1536520a107002a0000002a000000ffff
ffffffff0200000000030806000108000604000102fc000000010a0000030000000000000a000001`);

// scapy's RawPcapWriter(endianness='>', nano=True): big-endian, ns; the second record is cut
// to 40 of its 74 bytes.
const SCAPY_NS_BE = fromHex(`
a1b23c4d0002000400000000000000000000ffff000000016553f100075bcd150000002c0000002c02000000000202000000000108004500001e000100004011
66cc0a0000010a00000204d20035000a7e6768696553f10100000001000000280000004a02000000000102000000000286dd6000000000140640fd0000000000
00000000000000000002fd00`);

/** What `editcap -F nsecpcap` writes from SCAPY_US: the ns magic and fractions, the frames unchanged. */
const EDITCAP_NS_HEADER = fromHex('4d3cb2a1 0200 0400 00000000 00000000 ffff0000 01000000');
const EDITCAP_NS_RECORD_HEADERS = [
  fromHex('00f15365 00ca5b07 2c000000 2c000000'),
  fromHex('01f15365 e8030000 4a000000 4a000000'),
  fromHex('02f15365 0065cd1d 2a000000 2a000000'),
];

const UDP_FRAME = SCAPY_US.subarray(40, 84);

function errorOf(f: () => unknown): FrameError {
  try {
    f();
  } catch (e) {
    if (e instanceof FrameError) return e;
    throw e;
  }
  throw new Error('expected a FrameError');
}

/** Reads everything it can, then the error: what `vnet decode` does with a damaged file. */
function readUntilError(bytes: Uint8Array): { records: CaptureRecord[]; error: FrameError } {
  const reader = new CaptureReader();
  reader.push(bytes);
  reader.end();
  const records: CaptureRecord[] = [];
  const error = errorOf(() => {
    for (const r of reader) records.push(r);
  });
  return { records, error };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

describe('pcap', () => {
  it('reads a file scapy wrote (µs, little-endian)', () => {
    const c = readCapture(SCAPY_US);
    expect(c.format).toBe('pcap');
    expect(c.sections).toEqual([{ littleEndian: true }]);
    expect(c.interfaces).toEqual([{ linkType: 1, snapLength: 65535, tsResolution: 6 }]);
    expect(c.records.map((r) => [r.timestampNs, r.originalLength, r.data.length, r.interfaceId])).toEqual([
      [1_700_000_000_123_456_000n, 44, 44, 0],
      [1_700_000_001_000_001_000n, 74, 74, 0],
      [1_700_000_002_500_000_000n, 42, 42, 0],
    ]);
    expect(c.records[0].data).toEqual(UDP_FRAME);
    // Zero-copy: the record's bytes are the input's.
    expect(c.records[0].data.buffer).toBe(SCAPY_US.buffer);
  });

  it('reads a big-endian nanosecond file with a truncated record', () => {
    const c = readCapture(SCAPY_NS_BE);
    expect(c.sections).toEqual([{ littleEndian: false }]);
    expect(c.interfaces).toEqual([{ linkType: 1, snapLength: 65535, tsResolution: 9 }]);
    expect(c.records.map((r) => [r.timestampNs, r.originalLength, r.data.length])).toEqual([
      [1_700_000_000_123_456_789n, 44, 44],
      [1_700_000_001_000_000_001n, 74, 40],
    ]);
    expect(c.records[1].data).toEqual(SCAPY_US.subarray(100, 140));
  });

  it('writes byte for byte what scapy and editcap write', () => {
    const records = readCapture(SCAPY_US).records;
    expect(writePcap(records, { snapLength: 65535 })).toEqual(SCAPY_US);
    const ns = writePcap(records, { snapLength: 65535, tsResolution: 9 });
    expect(ns.subarray(0, 24)).toEqual(EDITCAP_NS_HEADER);
    const at = [24, 84, 174];
    expect(at.map((o) => ns.subarray(o, o + 16))).toEqual(EDITCAP_NS_RECORD_HEADERS);
    expect(at.map((o) => ns.subarray(o + 16, o + 16 + 42))).toEqual(at.map((o) => SCAPY_US.subarray(o + 16, o + 16 + 42)));
  });

  it('writes the header and one record through the sink', () => {
    const chunks: Uint8Array[] = [];
    const w = new PcapWriter({ sink: (c) => chunks.push(c), linkType: 101, snapLength: 4 });
    w.write({ data: fromHex('45000014'), timestampNs: 1_000_000_002_000n, originalLength: 20 });
    expect(w.close()).toEqual(new Uint8Array(0));
    expect(concat(chunks)).toEqual(
      fromHex(`d4c3b2a1 0200 0400 00000000 00000000 04000000 65000000
               e8030000 02000000 04000000 14000000 45000014`),
    );
  });

  it('cuts frames to the snap length and keeps the original length', () => {
    const bytes = writePcap([{ data: UDP_FRAME, timestampNs: 0n }], { snapLength: 14 });
    const [r] = readCapture(bytes).records;
    expect(r.data).toEqual(UDP_FRAME.subarray(0, 14));
    expect(r.originalLength).toBe(44);
  });

  it('round-trips random records in both resolutions', () => {
    const record = (res: 6 | 9) =>
      fc.record({
        data: fc.uint8Array({ maxLength: 200 }),
        extra: fc.nat({ max: 1000 }),
        units: fc.bigInt({ min: 0n, max: (1n << 32n) * 10n ** BigInt(res) - 1n }),
      });
    for (const res of [6, 9] as const) {
      fc.assert(
        fc.property(fc.array(record(res), { maxLength: 8 }), (specs) => {
          const records: CaptureRecord[] = specs.map((s) => ({
            data: s.data,
            originalLength: s.data.length + s.extra,
            timestampNs: s.units * 10n ** BigInt(9 - res),
            interfaceId: 0,
          }));
          const c = readCapture(writePcap(records, { tsResolution: res }));
          expect(c.interfaces[0].tsResolution).toBe(res);
          expect(c.records).toEqual(records);
        }),
      );
    }
  });

  it('hands the sink chunks it may keep, splitting records across small chunks', () => {
    const records = readCapture(SCAPY_US).records;
    const chunks: Uint8Array[] = [];
    const copies: Uint8Array[] = [];
    const sink = (c: Uint8Array) => {
      chunks.push(c);
      copies.push(c.slice());
    };
    const w = new PcapWriter({ sink, chunkSize: 64, snapLength: 65535 });
    for (const r of records) w.write(r);
    w.flush();
    for (const r of records) w.write(r);
    w.close();
    expect(chunks.length).toBeGreaterThan(4);
    // Nothing the sink received was overwritten by later writes.
    expect(chunks).toEqual(copies);
    const whole = concat(chunks);
    expect(whole.subarray(0, SCAPY_US.length)).toEqual(SCAPY_US);
    expect(readCapture(whole).records).toEqual([...records, ...records]);
  });

  it('refuses what pcap cannot hold', () => {
    expect(errorOf(() => new PcapWriter({ tsResolution: 3 as 6 }))).toMatchObject({ code: 'unsupported' });
    expect(errorOf(() => new PcapWriter({ linkType: 70_000 }))).toMatchObject({ code: 'bad-value' });
    const w = new PcapWriter();
    expect(errorOf(() => w.write({ data: UDP_FRAME, timestampNs: -1n }))).toMatchObject({ code: 'bad-value' });
    expect(errorOf(() => w.write({ data: UDP_FRAME, timestampNs: 1n << 63n }))).toMatchObject({ code: 'bad-value' });
    expect(errorOf(() => w.write({ data: UDP_FRAME, timestampNs: 0n, originalLength: 10 }))).toMatchObject({ code: 'bad-value' });
  });
});

describe('capture reader', () => {
  it('finds every record whatever the chunk size', () => {
    const whole = readCapture(SCAPY_US).records;
    for (let size = 1; size <= 97; size++) {
      const reader = new CaptureReader();
      const got: CaptureRecord[] = [];
      for (let o = 0; o < SCAPY_US.length; o += size) {
        reader.push(SCAPY_US.subarray(o, o + size));
        got.push(...reader);
      }
      reader.end();
      got.push(...reader);
      expect(got, `chunk size ${size}`).toEqual(whole);
      expect(reader.recordCount).toBe(3);
    }
  });

  it('reads an async stream', async () => {
    async function* chunks() {
      for (let o = 0; o < SCAPY_NS_BE.length; o += 7) yield SCAPY_NS_BE.subarray(o, o + 7);
    }
    const reader = new CaptureReader();
    const got: CaptureRecord[] = [];
    for await (const r of reader.readFrom(chunks())) got.push(r);
    expect(got).toEqual(readCapture(SCAPY_NS_BE).records);
    expect(reader.format).toBe('pcap');
  });

  it('returns the records before a cut, then says which record and where', () => {
    // Records start at bytes 24, 84 and 174; the file stops 26 bytes into the third.
    const cut = SCAPY_US.subarray(0, 200);
    const { records, error } = readUntilError(cut);
    expect(records).toEqual(readCapture(SCAPY_US).records.slice(0, 2));
    expect(error).toMatchObject({ code: 'truncated', layer: 'pcap', offset: 174 });
    expect(error.message).toBe('pcap: record 3: the file ends 26 bytes into a 58-byte record (at byte 174)');
    // The error sticks: the reader does not resynchronise on garbage.
    const reader = new CaptureReader();
    reader.push(cut);
    reader.end();
    expect(() => [...reader]).toThrow(FrameError);
    expect(() => reader.read()).toThrow(FrameError);
  });

  it('waits for more input instead of failing while the stream is open', () => {
    const reader = new CaptureReader();
    reader.push(SCAPY_US.subarray(0, 50));
    expect(reader.read()).toBeUndefined();
    expect(reader.format).toBe('pcap');
    reader.push(SCAPY_US.subarray(50));
    expect([...reader]).toHaveLength(3);
    reader.end();
    expect(reader.read()).toBeUndefined();
  });

  it('refuses a record length beyond the cap before buffering it', () => {
    const huge = SCAPY_US.slice(0, 40);
    huge.set([0xff, 0xff, 0xff, 0xff], 24 + 8); // captured length 4 GB
    const { records, error } = readUntilError(huge);
    expect(records).toEqual([]);
    expect(error).toMatchObject({ code: 'bad-format', offset: 32 });
    expect(error.message).toContain(`${MAX_CAPTURE_RECORD_LEN}`);
    // Even while the stream is still open: the length alone condemns it.
    const open = new CaptureReader();
    open.push(huge);
    expect(() => open.read()).toThrow(FrameError);
  });

  it('names what is not a capture file', () => {
    expect(errorOf(() => readCapture(fromHex('00112233 44556677')))).toMatchObject({ code: 'bad-format', offset: 0 });
    expect(errorOf(() => readCapture(new Uint8Array(0)))).toMatchObject({ code: 'bad-format' });
    expect(errorOf(() => readCapture(SCAPY_US.subarray(0, 3)))).toMatchObject({ code: 'truncated', offset: 0 });
    expect(errorOf(() => readCapture(SCAPY_US.subarray(0, 20)))).toMatchObject({ code: 'truncated', offset: 0 });
    const v3 = SCAPY_US.slice();
    v3[4] = 3;
    expect(errorOf(() => readCapture(v3))).toMatchObject({ code: 'unsupported', offset: 4 });
  });

  it('throws nothing but FrameError on mutated files', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: SCAPY_US.length - 1 }), fc.nat({ max: 255 })), { maxLength: 6 }),
        fc.nat(),
        (edits, cut) => {
          const bytes = SCAPY_US.slice(0, (cut % SCAPY_US.length) + 1);
          for (const [at, v] of edits) if (at < bytes.length) bytes[at] = v;
          try {
            readCapture(bytes);
          } catch (e) {
            expect(e).toBeInstanceOf(FrameError);
          }
        },
      ),
    );
  });
});

// Without tshark these skip, unless VNET_REQUIRE_TOOLS=1 (CI) makes the missing tool a failure.
const tshark = spawnSync('tshark', ['-v']).status === 0 || process.env.VNET_REQUIRE_TOOLS === '1';

describe.skipIf(!tshark)('pcap as tshark reads it', () => {
  it('reads our µs and ns files with the same timestamps and lengths', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vnet-pcap-'));
    try {
      const records = [
        { data: UDP_FRAME, timestampNs: 1_700_000_000_123_456_789n },
        { data: UDP_FRAME, timestampNs: 1_700_000_001_000_000_001n, originalLength: 60 },
      ];
      const fields = (file: string) =>
        execFileSync(
          'tshark',
          ['-r', file, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'frame.cap_len', '-e', 'udp.dstport'],
          {
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'ignore'],
          },
        );
      writeFileSync(join(dir, 'us.pcap'), writePcap(records));
      writeFileSync(join(dir, 'ns.pcap'), writePcap(records, { tsResolution: 9, snapLength: 20 }));
      expect(fields(join(dir, 'us.pcap'))).toBe('1700000000.123456000\t44\t44\t53\n1700000001.000000000\t60\t44\t53\n');
      expect(fields(join(dir, 'ns.pcap'))).toBe('1700000000.123456789\t44\t20\t\n1700000001.000000001\t60\t20\t\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
