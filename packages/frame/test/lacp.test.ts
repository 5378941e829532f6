import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dissect,
  fieldMap,
  fromHex,
  LACP_PDU_LEN,
  Lacp,
  LacpPdu,
  type LacpRepr,
  LacpState,
  LacpTlvOffset,
  SLOW_PROTOCOLS_MULTICAST,
} from '../src/index.js';

const ETH = '0180c2000002 000000000001 8809';

// scapy (contrib.lacp): SlowProtocol()/LACP(actor: priority 32768, 00:00:00:00:00:01, key 13, port priority 255, port 1,
//   state 0x3d; partner: 32768, 00:00:00:00:00:02, key 14, 255, port 2, state 0x3f; collector max delay 0)
const ACTOR = '0114 8000 000000000001 000d 00ff 0001 3d 000000';
const PARTNER = '0214 8000 000000000002 000e 00ff 0002 3f 000000';
const LACPDU = `01 01 ${ACTOR} ${PARTNER} 0310 0000 ${'00'.repeat(12)} 0000 ${'00'.repeat(50)}`;
const FRAME = fromHex(`${ETH} ${LACPDU}`);

const REPR: LacpRepr = {
  actor: { systemPriority: 32768, system: 1, key: 13, portPriority: 255, port: 1, state: 0x3d },
  partner: { systemPriority: 32768, system: 2, key: 14, portPriority: 255, port: 2, state: 0x3f },
  collectorMaxDelay: 0,
};

describe('LACP', () => {
  it('deconstructs', () => {
    const p = LacpPdu.checked(FRAME, 14);
    expect([p.subtype, p.version, p.collectorMaxDelay]).toEqual([1, 1, 0]);
    const a = p.actor;
    expect([a.systemPriority, a.system, a.key, a.portPriority, a.port, a.state]).toEqual([32768, 1, 13, 255, 1, 0x3d]);
    expect(p.partner.state & LacpState.Timeout).toBe(LacpState.Timeout);
    expect(SLOW_PROTOCOLS_MULTICAST).toBe(0x0180_c200_0002);
  });

  it('constructs through setters', () => {
    const buf = FRAME.slice();
    const p = new LacpPdu(buf, 14);
    p.actor.state |= LacpState.Expired;
    p.partner.state = 0;
    expect(buf[14 + LacpTlvOffset.Actor + 16]).toBe(0xbd);
    expect(buf[14 + LacpTlvOffset.Partner + 16]).toBe(0);
  });

  it('parses', () => {
    expect(Lacp.parse(FRAME, 14)).toEqual(REPR);
  });

  it('emits', () => {
    const out = new Uint8Array(LACP_PDU_LEN).fill(0xff);
    expect(Lacp.emit(REPR, out)).toBe(LACP_PDU_LEN);
    expect(out).toEqual(fromHex(LACPDU));
  });

  it('refuses what is not a version 1 LACPDU', () => {
    const err = (patch: (b: Uint8Array) => void) => {
      const b = fromHex(LACPDU);
      patch(b);
      return expect(() => Lacp.parse(b));
    };
    expect(() => Lacp.parse(fromHex(LACPDU).subarray(0, 60))).toThrow(expect.objectContaining({ code: 'truncated', layer: 'lacp' }));
    err((b) => (b[0] = 2)).toThrow(expect.objectContaining({ code: 'bad-value', offset: 0 }));
    err((b) => (b[1] = 0)).toThrow(expect.objectContaining({ code: 'bad-version', offset: 1 }));
    err((b) => (b[LacpTlvOffset.Partner] = 9)).toThrow(expect.objectContaining({ code: 'bad-value', offset: LacpTlvOffset.Partner }));
    err((b) => (b[LacpTlvOffset.Collector + 1] = 20)).toThrow(
      expect.objectContaining({ code: 'bad-value', offset: LacpTlvOffset.Collector }),
    );
    // Later versions keep the version 1 fields where they were.
    err((b) => (b[1] = 2)).not.toThrow();
  });

  it('round-trips every repr', () => {
    const u16 = fc.integer({ min: 0, max: 0xffff });
    const participant = fc.record({
      systemPriority: u16,
      system: fc.integer({ min: 0, max: 0xffff_ffff_ffff }),
      key: u16,
      portPriority: u16,
      port: u16,
      state: fc.integer({ min: 0, max: 0xff }),
    });
    fc.assert(
      fc.property(fc.record({ actor: participant, partner: participant, collectorMaxDelay: u16 }), (r) => {
        const buf = new Uint8Array(Lacp.bufferLen(r));
        Lacp.emit(r, buf);
        expect(Lacp.parse(buf)).toEqual(r);
      }),
    );
  });
});

describe('LACP dissector', () => {
  it('names every field as Wireshark does', () => {
    const d = dissect(FRAME);
    expect(d.error).toBeUndefined();
    expect(d.layers.map((l) => l.protocol)).toEqual(['eth', 'slow', 'lacp']);
    expect(fieldMap(d)).toMatchObject({
      'slow.subtype': '0x01',
      'lacp.version': '0x01',
      'lacp.tlv_type': ['0x01', '0x02', '0x03', '0x00'],
      'lacp.tlv_length': ['0x14', '0x14', '0x10', '0x00'],
      'lacp.actor.sys_priority': 32768,
      'lacp.actor.sysid': '00:00:00:00:00:01',
      'lacp.actor.key': 13,
      'lacp.actor.port_priority': 255,
      'lacp.actor.port': 1,
      'lacp.actor.state': '0x3d',
      'lacp.actor.state.activity': true,
      'lacp.actor.state.timeout': false,
      'lacp.actor.state.aggregation': true,
      'lacp.actor.state.synchronization': true,
      'lacp.actor.state.collecting': true,
      'lacp.actor.state.distributing': true,
      'lacp.actor.state.defaulted': false,
      'lacp.actor.state.expired': false,
      'lacp.actor.state_str': '**DCSG*A',
      'lacp.actor.reserved': '00:00:00',
      'lacp.partner.sysid': '00:00:00:00:00:02',
      'lacp.partner.key': 14,
      'lacp.partner.port': 2,
      'lacp.partner.state': '0x3f',
      'lacp.partner.state_str': '**DCSGSA',
      'lacp.collector.max_delay': 0,
      'lacp.coll_reserved': '00:00:00:00:00:00:00:00:00:00:00:00',
    });
    expect(d.summary).toBe('LACPv1, length 110');
  });

  it('spells every state bit', () => {
    const frame = FRAME.slice();
    frame[14 + LacpTlvOffset.Actor + 16] = 0xff;
    frame[14 + LacpTlvOffset.Partner + 16] = 0x42;
    expect(fieldMap(dissect(frame))).toMatchObject({ 'lacp.actor.state_str': 'EFDCSGSA', 'lacp.partner.state_str': '*F****S*' });
  });

  it('summarises the other slow protocols without dissecting them', () => {
    const marker = dissect(fromHex(`${ETH} 02 01 ${'00'.repeat(108)}`));
    expect(fieldMap(marker)).toEqual({
      'eth.dst': '01:80:c2:00:00:02',
      'eth.src': '00:00:00:00:00:01',
      'eth.type': '0x8809',
      'slow.subtype': '0x02',
    });
    expect(marker.summary).toBe('MARKERv1, length 110');
  });

  it('reports a short LACPDU as malformed', () => {
    const d = dissect(FRAME.subarray(0, 14 + 60));
    expect(d.error).toMatchObject({ code: 'truncated', layer: 'lacp' });
    expect(d.layers.map((l) => l.protocol)).toEqual(['eth', 'slow']);
  });
});
