import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dissect,
  FrameError,
  fieldMap,
  formatBridgeId,
  fromHex,
  Llc,
  LlcHeader,
  type LlcRepr,
  STP_MULTICAST,
  Stp,
  StpBpdu,
  StpFlags,
  StpPortRole,
  type StpRepr,
  toHex,
} from '../src/index.js';

// Frames built with scapy: Dot3(dst='01:80:c2:00:00:00')/LLC(dsap=0x42, ssap=0x42, ctrl=3)/STP(…).
const DOT3 = (src: string, len: string) => `0180c2000000 ${src} ${len}`;

// STP(bpduflags=0x01, rootid=32768, rootmac=…:01, bridgeid=32768, bridgemac=…:01, portid=0x8001, maxage=20, hellotime=2, fwddelay=15)
const CONFIG_BPDU = '0000 00 00 01 8000000000000001 00000000 8000000000000001 8001 0000 1400 0200 0f00';
const CONFIG = fromHex(`${DOT3('000000000001', '0026')} 424203 ${CONFIG_BPDU}`);
// STP(version=2, bpdutype=2, bpduflags=0x3c, rootid=4097, pathcost=20000, bridgeid=32769, bridgemac=…:02, portid=0x8002, age=1)/b'\0'
const RST_BPDU = '0000 02 02 3c 1001000000000001 00004e20 8001000000000002 8002 0100 1400 0200 0f00 00';
const RST = fromHex(`${DOT3('000000000002', '0027')} 424203 ${RST_BPDU}`);
const TCN = fromHex(`${DOT3('000000000002', '0007')} 424203 0000 00 80`);
// STP(bpduflags=0x81, rootid=32773, pathcost=4, bridgeid=65535, bridgemac=…:ff, age=1.5, maxage=20.25, hellotime=2.00390625)
const FRACTIONS = fromHex('0000 00 00 81 8005000000000001 00000004 ffff0000000000ff 8001 0180 1440 0201 0f00');

const CONFIG_REPR: StpRepr = {
  bpdu: 'config',
  version: 0,
  flags: StpFlags.TopologyChange,
  root: { priority: 0x8000, mac: 1 },
  rootPathCost: 0,
  bridge: { priority: 0x8000, mac: 1 },
  portId: 0x8001,
  messageAge: 0,
  maxAge: 20,
  helloTime: 2,
  forwardDelay: 15,
};

const RST_REPR: StpRepr = {
  bpdu: 'rst',
  version: 2,
  flags: StpFlags.Learning | StpFlags.Forwarding | (StpPortRole.Designated << 2),
  root: { priority: 0x1001, mac: 1 },
  rootPathCost: 20000,
  bridge: { priority: 0x8001, mac: 2 },
  portId: 0x8002,
  messageAge: 1,
  maxAge: 20,
  helloTime: 2,
  forwardDelay: 15,
};

describe('LLC', () => {
  it('deconstructs unnumbered and numbered frames', () => {
    const u = LlcHeader.checked(CONFIG, 14);
    expect([u.dsap, u.ssap, u.isUnnumbered, u.control, u.headerLen, u.payloadOffset]).toEqual([0x42, 0x42, true, 3, 3, 17]);
    const i = LlcHeader.checked(fromHex('f0f0 1234 61626364'));
    expect([i.isUnnumbered, i.control, i.headerLen]).toEqual([false, 0x1234, 4]);
  });

  it('constructs through setters', () => {
    const buf = fromHex('000003');
    const h = new LlcHeader(buf);
    h.dsap = 0xaa;
    h.ssap = 0xaa;
    expect(buf).toEqual(fromHex('aaaa03'));
  });

  it('parses and emits', () => {
    expect(Llc.parse(CONFIG, 14)).toEqual({ dsap: 0x42, ssap: 0x42, control: 3 });
    const out = new Uint8Array(4);
    expect(Llc.emit({ dsap: 0x42, ssap: 0x42, control: 3 }, out)).toBe(3);
    expect(out.subarray(0, 3)).toEqual(fromHex('424203'));
    expect(Llc.emit({ dsap: 0xf0, ssap: 0xf1, control: 0x0901 }, out)).toBe(4);
    expect(out).toEqual(fromHex('f0f10901'));
  });

  it('refuses short headers and impossible control values', () => {
    expect(() => Llc.parse(fromHex('4242'))).toThrow(expect.objectContaining({ code: 'truncated', layer: 'llc' }));
    expect(() => Llc.parse(fromHex('f0f012'))).toThrow(expect.objectContaining({ code: 'truncated' }));
    expect(() => Llc.emit({ dsap: 0, ssap: 0, control: 0x0300 }, new Uint8Array(4))).toThrow(
      expect.objectContaining({ code: 'bad-value' }),
    );
  });

  it('round-trips every repr', () => {
    const control = fc.oneof(
      fc.integer({ min: 0, max: 63 }).map((c) => (c << 2) | 3),
      fc.integer({ min: 0, max: 0xffff }).filter((c) => ((c >>> 8) & 3) !== 3),
    );
    const repr: fc.Arbitrary<LlcRepr> = fc.record({
      dsap: fc.integer({ min: 0, max: 255 }),
      ssap: fc.integer({ min: 0, max: 255 }),
      control,
    });
    fc.assert(
      fc.property(repr, (r) => {
        const buf = new Uint8Array(Llc.bufferLen(r));
        expect(Llc.emit(r, buf)).toBe(buf.length);
        expect(Llc.parse(buf)).toEqual(r);
      }),
    );
  });
});

describe('STP', () => {
  it('prints bridge IDs as brctl does', () => {
    expect(formatBridgeId({ priority: 0x8000, mac: 0x020000000001 })).toBe('8000.020000000001');
    expect(formatBridgeId({ priority: 0, mac: 0xaabbccddeeff })).toBe('0000.aabbccddeeff');
  });

  it('deconstructs a configuration BPDU and an RST BPDU', () => {
    const c = StpBpdu.checked(CONFIG, 17);
    expect([c.protocolId, c.version, c.bpduType, c.flags, c.rootPriority, c.rootMac, c.rootPathCost]).toEqual([0, 0, 0, 1, 0x8000, 1, 0]);
    expect([c.bridgePriority, c.bridgeMac, c.portId, c.messageAge, c.maxAge, c.helloTime, c.forwardDelay]).toEqual([
      0x8000, 1, 0x8001, 0, 20, 2, 15,
    ]);
    const r = StpBpdu.checked(RST, 17);
    expect([r.version, r.bpduType, r.portRole, r.version1Length, r.messageAge]).toEqual([2, 2, StpPortRole.Designated, 0, 1]);
    expect(STP_MULTICAST).toBe(0x0180_c200_0000);
  });

  it('constructs through setters', () => {
    const buf = fromHex(CONFIG_BPDU);
    const p = new StpBpdu(buf);
    p.flags = 0x81;
    p.rootPathCost = 4;
    p.messageAge = 1.5;
    expect(buf).toEqual(fromHex('0000 00 00 81 8000000000000001 00000004 8000000000000001 8001 0180 1400 0200 0f00'));
  });

  it('parses configuration, RST and TCN BPDUs', () => {
    expect(Stp.parse(CONFIG, 17)).toEqual(CONFIG_REPR);
    expect(Stp.parse(RST, 17)).toEqual(RST_REPR);
    expect(Stp.parse(TCN, 17)).toEqual({ bpdu: 'tcn', version: 0 });
    expect(Stp.parse(FRACTIONS)).toMatchObject({
      messageAge: 1.5,
      maxAge: 20.25,
      helloTime: 2.00390625,
      bridge: { priority: 0xffff, mac: 0xff },
    });
  });

  it('emits', () => {
    for (const [repr, bytes] of [
      [CONFIG_REPR, CONFIG_BPDU],
      [RST_REPR, RST_BPDU],
      [{ bpdu: 'tcn', version: 0 }, '0000 00 80'],
    ] as const) {
      const out = new Uint8Array(Stp.bufferLen(repr));
      expect(Stp.emit(repr, out)).toBe(out.length);
      expect(out).toEqual(fromHex(bytes));
    }
  });

  it('refuses malformed BPDUs with typed errors', () => {
    expect(() => Stp.parse(CONFIG.subarray(0, CONFIG.length - 1), 17)).toThrow(
      expect.objectContaining({ code: 'truncated', layer: 'stp' }),
    );
    expect(() => Stp.parse(fromHex(RST_BPDU).subarray(0, 35))).toThrow(expect.objectContaining({ code: 'truncated' }));
    expect(() => Stp.parse(fromHex('0000 00 03 0000'))).toThrow(expect.objectContaining({ code: 'unsupported', offset: 3 }));
    expect(() => Stp.parse(fromHex('0001 00 80'))).toThrow(expect.objectContaining({ code: 'bad-value' }));
    expect(() => Stp.parse(fromHex(RST_BPDU.replace('0000 02', '0000 00')))).toThrow(expect.objectContaining({ code: 'bad-version' }));
    expect(() => Stp.emit({ ...CONFIG_REPR, helloTime: 1 / 512 }, new Uint8Array(35))).toThrow(FrameError);
  });

  it('round-trips every repr', () => {
    const u16 = fc.integer({ min: 0, max: 0xffff });
    const id = fc.record({ priority: u16, mac: fc.integer({ min: 0, max: 0xffff_ffff_ffff }) });
    const time = u16.map((units) => units / 256);
    const repr: fc.Arbitrary<StpRepr> = fc.oneof(
      fc.record({ bpdu: fc.constant('tcn' as const), version: fc.integer({ min: 0, max: 255 }) }),
      fc.record({
        bpdu: fc.constantFrom('config' as const, 'rst' as const),
        version: fc.integer({ min: 2, max: 255 }),
        flags: fc.integer({ min: 0, max: 255 }),
        root: id,
        rootPathCost: fc.integer({ min: 0, max: 0xffff_ffff }),
        bridge: id,
        portId: u16,
        messageAge: time,
        maxAge: time,
        helloTime: time,
        forwardDelay: time,
      }),
    );
    fc.assert(
      fc.property(repr, (r) => {
        const buf = new Uint8Array(Stp.bufferLen(r));
        expect(Stp.emit(r, buf)).toBe(buf.length);
        expect(Stp.parse(buf)).toEqual(r);
      }),
    );
  });
});

describe('LLC and STP dissector', () => {
  it('names a configuration BPDU as Wireshark does', () => {
    const d = dissect(CONFIG);
    expect(d.error).toBeUndefined();
    expect(d.layers.map((l) => l.protocol)).toEqual(['eth', 'llc', 'stp']);
    expect(fieldMap(d)).toMatchObject({
      'llc.dsap': '0x42',
      'llc.dsap.sap': 33,
      'llc.dsap.ig': false,
      'llc.ssap': '0x42',
      'llc.ssap.sap': 33,
      'llc.ssap.cr': false,
      'llc.control': '0x0003',
      'llc.control.u_modifier_cmd': '0x00',
      'llc.control.ftype': '0x03',
      'stp.protocol': '0x0000',
      'stp.version': 0,
      'stp.type': '0x00',
      'stp.flags': '0x01',
      'stp.flags.tcack': false,
      'stp.flags.tc': true,
      'stp.root.prio': 32768,
      'stp.root.ext': 0,
      'stp.root.hw': '00:00:00:00:00:01',
      'stp.root.cost': 0,
      'stp.bridge.prio': 32768,
      'stp.bridge.ext': 0,
      'stp.bridge.hw': '00:00:00:00:00:01',
      'stp.port': '0x8001',
      'stp.msg_age': 0,
      'stp.max_age': 20,
      'stp.hello': 2,
      'stp.forward': 15,
    });
    expect(fieldMap(d)['stp.flags.proposal']).toBeUndefined();
    expect(d.summary).toBe('STP 802.1d, Config, Flags [Topology change], bridge-id 8000.00:00:00:00:00:01.8001, length 35');
  });

  it('names the RSTP flags and the version 1 length', () => {
    const d = dissect(RST);
    expect(fieldMap(d)).toMatchObject({
      'stp.version': 2,
      'stp.type': '0x02',
      'stp.flags': '0x3c',
      'stp.flags.agreement': false,
      'stp.flags.forwarding': true,
      'stp.flags.learning': true,
      'stp.flags.port_role': 3,
      'stp.flags.proposal': false,
      'stp.root.prio': 4096,
      'stp.root.ext': 1,
      'stp.bridge.ext': 1,
      'stp.root.cost': 20000,
      'stp.msg_age': 1,
      'stp.version_1_length': 0,
    });
    expect(d.summary).toBe('STP 802.1w, Rapid STP, Flags [Learn, Forward], bridge-id 8001.00:00:00:00:00:02.8002, length 36');
    expect(dissect(TCN).summary).toBe('STP 802.1d, Topology Change');
  });

  it('shows timers in seconds, fractions included', () => {
    const d = dissect(fromHex(`${DOT3('000000000001', '0026')} 424203 ${toHex(FRACTIONS)}`));
    expect(fieldMap(d)).toMatchObject({
      'stp.msg_age': 1.5,
      'stp.max_age': 20.25,
      'stp.hello': 2.00390625,
      'stp.bridge.ext': 4095,
      'stp.flags.tcack': true,
    });
    expect(d.summary).toBe(
      'STP 802.1d, Config, Flags [Topology change, Topology change ACK], bridge-id ffff.00:00:00:00:00:ff.8001, length 35',
    );
  });

  it('names the two-byte control field of I and S frames', () => {
    const i = fieldMap(dissect(fromHex(`${DOT3('000000000001', '0008')} f0f0 1234 61626364`)));
    expect(i).toMatchObject({ 'llc.control': '0x3412', 'llc.control.n_r': 26, 'llc.control.n_s': 9, 'llc.control.ftype': '0x0000' });
    const s = fieldMap(dissect(fromHex(`${DOT3('000000000001', '0004')} f0f1 0901`)));
    expect(s).toMatchObject({
      'llc.ssap.cr': true,
      'llc.control': '0x0109',
      'llc.control.f': true,
      'llc.control.s_ftype': '0x0002',
      'llc.control.ftype': '0x0001',
    });
    // Wireshark calls the bit of an information frame Poll even in a response.
    const response = fieldMap(dissect(fromHex(`${DOT3('000000000001', '0006')} 4243 5e81 0100`)));
    expect(response).toMatchObject({ 'llc.control': '0x815e', 'llc.control.n_r': 64, 'llc.control.n_s': 47, 'llc.control.p': true });
    expect(response['llc.control.f']).toBeUndefined();
    const xid = fieldMap(dissect(fromHex(`${DOT3('000000000001', '0006')} 4243 af 810100`)));
    expect(xid).toMatchObject({ 'llc.control': '0x00af', 'llc.control.u_modifier_resp': '0x2b' });
  });

  it('follows SNAP with the zero OUI to the EtherType', () => {
    const ip = '4500001c00010000400174db0101010102020202 0800f7ff00000000';
    const d = dissect(fromHex(`${DOT3('000000000001', '0024')} aaaa03 000000 0800 ${ip}`));
    expect(d.layers.map((l) => l.protocol)).toEqual(['eth', 'llc', 'ip', 'icmp']);
    expect(fieldMap(d)).toMatchObject({ 'llc.oui': 0, 'llc.type': '0x0800' });
  });

  it('reports a truncated BPDU as malformed after the LLC layer, naming none of it', () => {
    for (const bpdu of ['000102', CONFIG_BPDU.slice(0, 40)]) {
      const d = dissect(fromHex(`${DOT3('000000000001', '0026')} 424203 ${bpdu}`));
      expect(d.error).toMatchObject({ code: 'truncated', layer: 'stp' });
      expect(d.layers.map((l) => l.protocol)).toEqual(['eth', 'llc']);
    }
  });
});
