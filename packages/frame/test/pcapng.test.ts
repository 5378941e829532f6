import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CaptureInterface,
  CaptureReader,
  type CaptureRecord,
  FrameError,
  fromHex,
  PcapngWriter,
  readCapture,
  writePcapng,
} from '../src/index.js';

// `editcap -F pcapng -a 2:"hello comment" --capture-comment "file note"` on scapy's three-frame
// pcap (UDP, IPv6 TCP, ARP): little-endian, µs, shb_comment + shb_userappl, one IDB, three EPBs,
// the second with opt_comment. Blocks start at 0 (SHB), 124 (IDB), 144, 220 and 352 (EPBs).
const EDITCAP = fromHex(`
0a0d0d0a7c0000004d3c2b1a01000000ffffffffffffffff0100090066696c65206e6f74650000000400450045646974636170202857697265736861726b2920
342e302e313720284769742076342e302e3137207061636b6167656420617320342e302e31372d302b6465623132753329000000000000007c00000001000000
1400000001000000ffff000014000000060000004c00000000000000240a0600402220182c0000002c00000002000000000202000000000108004500001e0001
0000401166cc0a0000010a00000204d20035000a7e6768694c000000060000008400000000000000240a060041822d184a0000004a0000000200000000010200
0000000286dd6000000000140640fd000000000000000000000000000002fd00000000000000000000000000000100500fa000000000000000005012200085de
0000000001000d0068656c6c6f20636f6d6d656e740000000000000084000000060000004c00000000000000240a0600a06544182a0000002a000000ffffffff
ffff0200000000030806000108000604000102fc000000010a0000030000000000000a00000100004c000000`);

// scapy's RawPcapNgWriter switched to big-endian: SHB, IDB, an EPB at 1700000000.25 whose comment
// scapy ends with a newline, then a Simple Packet Block (no timestamp) with the ARP frame.
const SCAPY_BE = fromHex(`
0a0d0d0a0000001c1a2b3c4d0001000000000000000000000000001c000000010000001400010000000400000000001400000006000000680000000000060a24
182210900000002c0000002c02000000000202000000000108004500001e00010000401166cc0a0000010a00000204d20035000a7e676869000100136269672d
656e6469616e20636f6d6d656e740a000000000000000068000000030000003c0000002affffffffffff0200000000030806000108000604000102fc00000001
0a0000030000000000000a00000100000000003c`);

// Built from the spec and checked with tshark: an IDB named "pow2" with if_tsresol 0x94 (2^-20 s)
// and snaplen 96, a block of unknown type 0xbad to skip, then an EPB at 1700000000.5 with a
// comment and epb_flags outbound.
const POW2 = fromHex(`
0a0d0d0a2c0000004d3c2b1a01000000ffffffffffffffff0400080068616e646d616465000000002c0000000100000028000000010000006000000002000400
706f773209000100940000000000000028000000ad0b0000100000000102030410000000060000008c000000000000003f550600000008104a0000004a000000
02000000000102000000000286dd6000000000140640fd000000000000000000000000000002fd00000000000000000000000000000100500fa0000000000000
00005012200085de0000000001000e0074776f20746f20746865202d323000000200040002000000000000008c000000`);

/** Two sections in opposite byte orders, as `cat a.pcapng b.pcapng` makes. */
const MULTI = new Uint8Array([...EDITCAP, ...SCAPY_BE]);

const UDP_FRAME = EDITCAP.subarray(172, 216);

function errorOf(f: () => unknown): FrameError {
  try {
    f();
  } catch (e) {
    if (e instanceof FrameError) return e;
    throw e;
  }
  throw new Error('expected a FrameError');
}

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

function patched(bytes: Uint8Array, at: number, hex: string): Uint8Array {
  const out = bytes.slice();
  out.set(fromHex(hex), at);
  return out;
}

describe('pcapng reading', () => {
  it('reads what editcap writes: section comment, application, packet comment', () => {
    const c = readCapture(EDITCAP);
    expect(c.format).toBe('pcapng');
    expect(c.sections).toEqual([
      {
        littleEndian: true,
        comment: 'file note',
        userApplication: 'Editcap (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3)',
      },
    ]);
    expect(c.interfaces).toEqual([{ linkType: 1, snapLength: 65535, tsResolution: 6 }]);
    expect(c.records.map((r) => [r.timestampNs, r.originalLength, r.data.length, r.interfaceId, r.comment])).toEqual([
      [1_700_000_000_123_456_000n, 44, 44, 0, undefined],
      [1_700_000_001_000_001_000n, 74, 74, 0, 'hello comment'],
      [1_700_000_002_500_000_000n, 42, 42, 0, undefined],
    ]);
    expect(c.records[0].data).toEqual(UDP_FRAME);
    expect(c.records[0].data.buffer).toBe(EDITCAP.buffer);
  });

  it('reads a big-endian section with an Enhanced and a Simple Packet Block', () => {
    const c = readCapture(SCAPY_BE);
    expect(c.sections).toEqual([{ littleEndian: false }]);
    expect(c.interfaces).toEqual([{ linkType: 1, snapLength: 262144, tsResolution: 6 }]);
    const [epb, spb] = c.records;
    expect(epb).toEqual({
      data: UDP_FRAME,
      originalLength: 44,
      timestampNs: 1_700_000_000_250_000_000n,
      interfaceId: 0,
      comment: 'big-endian comment\n',
    });
    expect(spb.timestampNs).toBe(0n);
    expect([spb.originalLength, spb.data.length]).toEqual([42, 42]);
    expect(spb.data).toEqual(EDITCAP.subarray(380, 422));
  });

  it('reads power-of-two timestamp units, skips unknown blocks, reads the direction', () => {
    const c = readCapture(POW2);
    expect(c.sections).toEqual([{ littleEndian: true, userApplication: 'handmade' }]);
    expect(c.interfaces).toEqual([{ linkType: 1, snapLength: 96, name: 'pow2', tsResolution: 0x94 }]);
    expect(c.records).toHaveLength(1);
    expect(c.records[0]).toMatchObject({
      originalLength: 74,
      timestampNs: 1_700_000_000_500_000_000n,
      comment: 'two to the -20',
      direction: 'outbound',
    });
  });

  it('numbers interfaces across sections of both byte orders', () => {
    const c = readCapture(MULTI);
    expect(c.sections.map((s) => s.littleEndian)).toEqual([true, false]);
    expect(c.interfaces).toHaveLength(2);
    expect(c.records.map((r) => r.interfaceId)).toEqual([0, 0, 0, 1, 1]);
  });

  it('finds every record whatever the chunk size', () => {
    const whole = readCapture(MULTI).records;
    for (let size = 1; size <= 97; size++) {
      const reader = new CaptureReader();
      const got: CaptureRecord[] = [];
      for (let o = 0; o < MULTI.length; o += size) {
        reader.push(MULTI.subarray(o, o + size));
        got.push(...reader);
      }
      reader.end();
      got.push(...reader);
      expect(got, `chunk size ${size}`).toEqual(whole);
    }
  });
});

describe('pcapng writing', () => {
  it('writes SHB, IDB and EPB as the spec lays them out', () => {
    const bytes = writePcapng([{ data: fromHex('deadbe'), timestampNs: (1n << 32n) + 5n, comment: 'hi', direction: 'outbound' }], {
      comment: 'lab',
      interfaces: [{ name: 'h1-eth0', snapLength: 1500 }],
    });
    expect(bytes).toEqual(
      fromHex(`
        0a0d0d0a 30000000 4d3c2b1a 0100 0000 ffffffffffffffff
          0100 0300 6c616200  0400 0400 766e6574  00000000
        30000000
        01000000 2c000000 0100 0000 dc050000
          0200 0700 68312d65 74683000  0900 0100 09000000  00000000
        2c000000
        06000000 38000000 00000000 01000000 05000000 03000000 03000000 deadbe00
          0100 0200 68690000  0200 0400 02000000  00000000
        38000000`),
    );
  });

  it('round-trips interfaces, comments, directions and resolutions', () => {
    const iface = fc.record({
      name: fc.option(fc.string({ maxLength: 12 }), { nil: undefined }),
      description: fc.option(fc.string({ unit: 'grapheme', maxLength: 12 }), { nil: undefined }),
      tsResolution: fc.constantFrom(3, 6, 9),
      linkType: fc.constantFrom(1, 101),
    });
    const packet = fc.record({
      data: fc.uint8Array({ maxLength: 100 }),
      extra: fc.nat({ max: 100 }),
      units: fc.bigInt({ min: 0n, max: (1n << 62n) - 1n }),
      which: fc.nat(),
      comment: fc.option(
        fc.string({ unit: 'grapheme', maxLength: 20 }).filter((s) => !s.endsWith('\0')),
        { nil: undefined },
      ),
      direction: fc.option(fc.constantFrom('inbound' as const, 'outbound' as const), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(iface, { minLength: 1, maxLength: 3 }), fc.array(packet, { maxLength: 6 }), (ifaces, packets) => {
        const interfaces: CaptureInterface[] = ifaces.map((i) => ({ ...i, snapLength: 262144 }));
        const records: CaptureRecord[] = packets.map((p) => {
          const interfaceId = p.which % interfaces.length;
          const unitNs = 10n ** BigInt(9 - (interfaces[interfaceId].tsResolution ?? 9));
          return {
            data: p.data,
            originalLength: p.data.length + p.extra,
            timestampNs: (p.units / unitNs) * unitNs,
            interfaceId,
            comment: p.comment,
            direction: p.direction,
          };
        });
        const c = readCapture(writePcapng(records, { interfaces, comment: 'round trip' }));
        expect(c.interfaces).toEqual(interfaces);
        expect(c.sections).toEqual([{ littleEndian: true, comment: 'round trip', userApplication: 'vnet' }]);
        expect(c.records).toEqual(records);
      }),
    );
  });

  it('adds interfaces on the way and cuts frames to each snap length', () => {
    const chunks: Uint8Array[] = [];
    const w = new PcapngWriter({ sink: (c) => chunks.push(c), chunkSize: 64 });
    w.write({ data: UDP_FRAME, timestampNs: 1n });
    const second = w.addInterface({ name: 'short', snapLength: 20 });
    w.write({ data: UDP_FRAME, timestampNs: 2n, interfaceId: second });
    w.close();
    const c = readCapture(new Uint8Array(chunks.flatMap((chunk) => [...chunk])));
    expect(c.records.map((r) => [r.interfaceId, r.data.length, r.originalLength])).toEqual([
      [0, 44, 44],
      [1, 20, 44],
    ]);
  });

  it('refuses records it cannot write', () => {
    const w = new PcapngWriter();
    expect(errorOf(() => w.write({ data: UDP_FRAME, timestampNs: 0n, interfaceId: 1 }))).toMatchObject({ code: 'bad-value' });
    expect(errorOf(() => w.write({ data: UDP_FRAME, timestampNs: -1n }))).toMatchObject({ code: 'bad-value' });
    expect(errorOf(() => w.write({ data: UDP_FRAME, timestampNs: 1n << 64n }))).toMatchObject({ code: 'bad-value' });
    expect(errorOf(() => w.write({ data: UDP_FRAME, timestampNs: 0n, comment: 'x'.repeat(70_000) }))).toMatchObject({ code: 'bad-value' });
    expect(errorOf(() => w.addInterface({ tsResolution: 256 }))).toMatchObject({ code: 'bad-value' });
  });
});

describe('damaged pcapng', () => {
  it('returns the records before a cut, then names the record and the byte', () => {
    const { records, error } = readUntilError(EDITCAP.subarray(0, 400));
    expect(records).toEqual(readCapture(EDITCAP).records.slice(0, 2));
    expect(error).toMatchObject({ code: 'truncated', layer: 'pcapng', offset: 352 });
    expect(error.message).toBe('pcapng: record 3: the file ends 48 bytes into a 76-byte block (at byte 352)');
  });

  it('refuses a 4 GB block length without waiting for it', () => {
    const { records, error } = readUntilError(patched(EDITCAP, 220 + 4, 'f0ffffff'));
    expect(records).toHaveLength(1);
    expect(error).toMatchObject({ code: 'bad-format', offset: 224 });
    expect(error.message).toContain('record 2');
  });

  const cases: [string, Uint8Array, string, number][] = [
    ['a wrong byte-order magic', patched(EDITCAP, 8, '01020304'), 'bad-format', 8],
    ['a block length that is not a multiple of 4', patched(EDITCAP, 124 + 4, '15000000'), 'bad-format', 128],
    ['a block length below the minimum', patched(EDITCAP, 124 + 4, '08000000'), 'bad-format', 128],
    ['a trailing length that differs', patched(EDITCAP, 124 + 16, '18000000'), 'bad-format', 140],
    ['a packet on an undeclared interface', patched(EDITCAP, 144 + 8, '01000000'), 'bad-format', 152],
    ['a captured length that overruns its block', patched(EDITCAP, 144 + 20, '2d000000'), 'bad-format', 164],
    ['an option that overruns its block', patched(EDITCAP, 324 + 2, 'ffff'), 'bad-format', 326],
    ['section version 2', patched(EDITCAP, 12, '0200'), 'unsupported', 12],
  ];
  for (const [what, bytes, code, offset] of cases) {
    it(`refuses ${what}`, () => {
      const { error } = readUntilError(bytes);
      expect(error).toMatchObject({ code, layer: 'pcapng', offset });
      expect(error.message).toMatch(/record \d+: /);
    });
  }

  it('throws nothing but FrameError on mutated files', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: MULTI.length - 1 }), fc.nat({ max: 255 })), { maxLength: 6 }), fc.nat(), (edits, cut) => {
        const bytes = MULTI.slice(0, (cut % MULTI.length) + 1);
        for (const [at, v] of edits) if (at < bytes.length) bytes[at] = v;
        try {
          readCapture(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(FrameError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

// Without tshark these skip, unless VNET_REQUIRE_TOOLS=1 (CI) makes the missing tool a failure.
const tshark = spawnSync('tshark', ['-v']).status === 0 || process.env.VNET_REQUIRE_TOOLS === '1';

describe.skipIf(!tshark)('pcapng as tshark reads it', () => {
  it('reads our two interfaces, comments and directions', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vnet-pcapng-'));
    try {
      const file = join(dir, 'two.pcapng');
      const bytes = writePcapng(
        [
          { data: UDP_FRAME, timestampNs: 1_700_000_000_123_456_789n, comment: 'first ✓', direction: 'inbound' },
          { data: UDP_FRAME, timestampNs: 1_700_000_001_000_000_001n, interfaceId: 1, originalLength: 60, direction: 'outbound' },
          { data: UDP_FRAME, timestampNs: 1_700_000_002_000_000_000n, comment: 'third' },
        ],
        {
          comment: 'vnet lab capture',
          interfaces: [
            { name: 'h1-eth0', description: 'host h1' },
            { name: 's1-eth2', snapLength: 30, tsResolution: 6 },
          ],
        },
      );
      writeFileSync(file, bytes);
      const quiet = { encoding: 'utf8' as const, stdio: ['ignore', 'pipe', 'ignore'] as ('ignore' | 'pipe')[] };
      const fields = [
        'interface_id',
        'interface_name',
        'interface_description',
        'time_epoch',
        'len',
        'cap_len',
        'comment',
        'packet_flags_direction',
      ];
      const out = execFileSync('tshark', ['-r', file, '-T', 'fields', ...fields.flatMap((f) => ['-e', `frame.${f}`])], quiet);
      expect(out.replace(/\n$/, '').split('\n')).toEqual([
        '0\th1-eth0\thost h1\t1700000000.123456789\t44\t44\tfirst ✓\t0x00000001',
        '1\ts1-eth2\t\t1700000001.000000000\t60\t30\t\t0x00000002',
        '0\th1-eth0\thost h1\t1700000002.000000000\t44\t44\tthird\t',
      ]);
      const info = execFileSync('capinfos', ['-k', '-F', '-I', file], quiet);
      expect(info).toContain('Capture comment:     vnet lab capture');
      expect(info).toContain('Capture application: vnet');
      expect(info).toContain('Number of interfaces in file: 2');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
