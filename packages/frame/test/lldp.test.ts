import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dissect, fieldMap, fromHex, LLDP_MULTICAST, Lldp, LldpPdu, type LldpRepr, LldpTlvType, walkLldpTlvs } from '../src/index.js';

const ETH = '0180c200000e 000000000001 88cc';
const MANDATORY = '0207 04 000000000001 0405 05 65746830 0602 0078';

// scapy (contrib.lldp): ChassisID(subtype=4, MAC …:01)/PortID(subtype=5, 'eth0')/TTL(120)/PortDescription('uplink')
//   /SystemName('s1')/SystemDescription('vnet switch')/SystemCapabilities(bridge+router available, bridge enabled)
//   /ManagementAddress(IPv4 10.0.0.1, ifIndex 3)/End
const LLDPDU = `${MANDATORY} 0806 75706c696e6b 0a02 7331 0c0b 766e657420737769746368 0e04 0014 0004 100c 05 01 0a000001 02 00000003 00 0000`;
const FRAME = fromHex(`${ETH} ${LLDPDU}`);

const REPR: LldpRepr = {
  chassisId: { subtype: 4, value: 1 },
  portId: { subtype: 5, value: 'eth0' },
  ttl: 120,
  portDescription: 'uplink',
  systemName: 's1',
  systemDescription: 'vnet switch',
  capabilities: { system: 0x14, enabled: 0x04 },
  managementAddresses: [
    { addressSubtype: 1, address: fromHex('0a000001'), interfaceSubtype: 2, interfaceNumber: 3, oid: new Uint8Array(0) },
  ],
};

// ChassisID(subtype=7, 'chassis-1')/PortID(subtype=3, MAC …:05)/TTL(0)/802.1 Port VLAN ID 100/End, then padding.
const LOCAL = fromHex(`${ETH} 020a 07 636861737369732d31 0407 03 000000000005 0602 0000 fe06 0080c2 01 0064 0000 ${'00'.repeat(11)}`);

describe('LLDP', () => {
  it('deconstructs the mandatory TLVs', () => {
    const p = LldpPdu.checked(FRAME, 14);
    expect([p.chassisIdSubtype, p.chassisId(), p.portIdSubtype, p.ttl]).toEqual([4, fromHex('000000000001'), 5, 120]);
    expect(new TextDecoder().decode(p.portId())).toBe('eth0');
    const types: number[] = [];
    const end = walkLldpTlvs(FRAME, p.optionalOffset, FRAME.length, (type) => types.push(type));
    expect(types).toEqual([4, 5, 6, 7, 8, LldpTlvType.End]);
    expect(end).toBe(FRAME.length);
    expect(LLDP_MULTICAST).toBe(0x0180_c200_000e);
  });

  it('constructs through setters', () => {
    const buf = FRAME.slice();
    new LldpPdu(buf, 14).ttl = 0;
    expect(buf.subarray(32, 34)).toEqual(fromHex('0000'));
  });

  it('parses every TLV it knows', () => {
    expect(Lldp.parse(FRAME, 14)).toEqual(REPR);
  });

  it('keeps textual IDs as text and other TLVs raw', () => {
    expect(Lldp.parse(LOCAL, 14)).toEqual({
      chassisId: { subtype: 7, value: 'chassis-1' },
      portId: { subtype: 3, value: 5 },
      ttl: 0,
      tlvs: [{ type: 127, value: fromHex('0080c2010064') }],
    });
    const agent = Lldp.parse(fromHex('0207 04 000000000001 0404 06 010203 0602 0078 0000'));
    expect(agent.portId).toEqual({ subtype: 6, value: fromHex('010203') });
  });

  it('keeps repeated single TLVs and text that is not UTF-8 raw', () => {
    expect(Lldp.parse(fromHex(`${MANDATORY} 0a02 7331 0a02 7332 0802 ff41 0000`))).toMatchObject({
      systemName: 's1',
      tlvs: [
        { type: 5, value: fromHex('7332') },
        { type: 4, value: fromHex('ff41') },
      ],
    });
  });

  it('emits', () => {
    const out = new Uint8Array(Lldp.bufferLen(REPR));
    expect(Lldp.emit(REPR, out)).toBe(out.length);
    expect(out).toEqual(fromHex(LLDPDU));
    const local = Lldp.parse(LOCAL, 14);
    const again = new Uint8Array(Lldp.bufferLen(local));
    Lldp.emit(local, again);
    expect(again).toEqual(LOCAL.subarray(14, 14 + again.length));
  });

  it('refuses malformed LLDPDUs with typed errors', () => {
    const err = (hex: string) => expect(() => Lldp.parse(fromHex(hex)));
    err('0207 04 0000000000').toThrow(expect.objectContaining({ code: 'truncated', layer: 'lldp' }));
    err('0602 0078 0207 04 000000000001').toThrow(expect.objectContaining({ code: 'bad-value', offset: 0 }));
    err('0208 04 00000000000102 0405 05 65746830 0602 0078 0000').toThrow(expect.objectContaining({ code: 'bad-length' }));
    err('0201 07 0405 05 65746830 0602 0078 0000').toThrow(expect.objectContaining({ code: 'bad-length' }));
    err('0207 04 000000000001 0405 05 65746830 0603 007800 0000').toThrow(expect.objectContaining({ code: 'bad-length' }));
    err(`${MANDATORY} 0e03 001400 0000`).toThrow(expect.objectContaining({ code: 'bad-length', offset: 20 }));
    err(`${MANDATORY} fe02 0012 0000`).toThrow(expect.objectContaining({ code: 'bad-length' }));
    err(`${MANDATORY} 100c 09 01 0a000001 02 00000003 00 0000`).toThrow(expect.objectContaining({ code: 'bad-length' }));
    err('0207 04 000000000001 0405 05 65746830').toThrow(expect.objectContaining({ code: 'truncated' }));
    // IPv4 and IPv6 addresses must have their size, in IDs and management addresses alike.
    err('0205 05 01 0a0000 0405 05 65746830 0602 0078 0000').toThrow(expect.objectContaining({ code: 'bad-length', offset: 0 }));
    err(`${MANDATORY} 100e 07 02 000000000009 01 00000000 00 0000`).toThrow(expect.objectContaining({ code: 'bad-length' }));
  });

  it('refuses reprs it cannot encode', () => {
    const emit = (r: LldpRepr) => () => Lldp.emit(r, new Uint8Array(1024));
    expect(emit({ ...REPR, chassisId: { subtype: 4, value: 'eth0' } })).toThrow(expect.objectContaining({ code: 'bad-value' }));
    expect(emit({ ...REPR, portId: { subtype: 5, value: 7 } })).toThrow(expect.objectContaining({ code: 'bad-value' }));
    expect(emit({ ...REPR, portId: { subtype: 5, value: '' } })).toThrow(expect.objectContaining({ code: 'bad-value' }));
    expect(emit({ ...REPR, chassisId: { subtype: 5, value: Uint8Array.of(1, 10, 0) } })).toThrow(
      expect.objectContaining({ code: 'bad-value' }),
    );
    expect(emit({ ...REPR, tlvs: [{ type: 0, value: new Uint8Array(0) }] })).toThrow(expect.objectContaining({ code: 'bad-value' }));
    expect(emit({ ...REPR, tlvs: [{ type: 127, value: new Uint8Array(3) }] })).toThrow(expect.objectContaining({ code: 'bad-value' }));
  });

  it('round-trips every repr', () => {
    const text = fc.string({ minLength: 1, maxLength: 40 });
    const raw = fc.uint8Array({ minLength: 1, maxLength: 40 });
    const mac = fc.integer({ min: 0, max: 0xffff_ffff_ffff });
    const sized = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
    // An IANA family and an address of its size: IPv4 and IPv6 have fixed ones.
    const address = fc.oneof(
      fc.record({ family: fc.constant(1), address: sized(4, 4) }),
      fc.record({ family: fc.constant(2), address: sized(16, 16) }),
      fc.record({ family: fc.integer({ min: 3, max: 255 }), address: sized(1, 31) }),
    );
    const networkId = address.map(({ family, address }) => Uint8Array.of(family, ...address));
    const chassisId = fc.oneof(
      fc.record({ subtype: fc.constant(4), value: mac }),
      fc.record({ subtype: fc.constantFrom(1, 2, 3, 6, 7), value: text }),
      fc.record({ subtype: fc.constant(5), value: networkId }),
      fc.record({ subtype: fc.constantFrom(0, 8, 200), value: raw }),
    );
    const portId = fc.oneof(
      fc.record({ subtype: fc.constant(3), value: mac }),
      fc.record({ subtype: fc.constantFrom(1, 2, 5, 7), value: text }),
      fc.record({ subtype: fc.constant(4), value: networkId }),
      fc.record({ subtype: fc.constantFrom(0, 6, 9), value: raw }),
    );
    const management = fc
      .record({
        address,
        interfaceSubtype: fc.integer({ min: 0, max: 255 }),
        interfaceNumber: fc.integer({ min: 0, max: 0xffff_ffff }),
        oid: fc.uint8Array({ maxLength: 20 }),
      })
      .map(({ address: a, ...rest }) => ({ addressSubtype: a.family, address: a.address, ...rest }));
    const tlv = fc.oneof(
      fc.record({ type: fc.integer({ min: 9, max: 126 }), value: fc.uint8Array({ maxLength: 40 }) }),
      fc.record({ type: fc.constant(127), value: fc.uint8Array({ minLength: 4, maxLength: 40 }) }),
    );
    const repr: fc.Arbitrary<LldpRepr> = fc.record(
      {
        chassisId,
        portId,
        ttl: fc.integer({ min: 0, max: 0xffff }),
        portDescription: fc.string({ maxLength: 40 }),
        systemName: fc.string({ maxLength: 40 }),
        systemDescription: fc.string({ maxLength: 40 }),
        capabilities: fc.record({ system: fc.integer({ min: 0, max: 0xffff }), enabled: fc.integer({ min: 0, max: 0xffff }) }),
        managementAddresses: fc.array(management, { minLength: 1, maxLength: 3 }),
        tlvs: fc.array(tlv, { minLength: 1, maxLength: 3 }),
      },
      { requiredKeys: ['chassisId', 'portId', 'ttl'] },
    );
    fc.assert(
      fc.property(repr, (r) => {
        const buf = new Uint8Array(Lldp.bufferLen(r));
        expect(Lldp.emit(r, buf)).toBe(buf.length);
        expect(Lldp.parse(buf)).toEqual(r);
      }),
    );
  });
});

describe('LLDP dissector', () => {
  it('names every TLV as Wireshark does', () => {
    const d = dissect(FRAME);
    expect(d.error).toBeUndefined();
    expect(fieldMap(d)).toMatchObject({
      'lldp.tlv.type': [1, 2, 3, 4, 5, 6, 7, 8, 0],
      'lldp.tlv.len': [7, 5, 2, 6, 2, 11, 4, 12, 0],
      'lldp.chassis.subtype': 4,
      'lldp.chassis.id.mac': '00:00:00:00:00:01',
      'lldp.port.subtype': 5,
      'lldp.port.id': 'eth0',
      'lldp.time_to_live': 120,
      'lldp.port.desc': 'uplink',
      'lldp.tlv.system.name': 's1',
      'lldp.tlv.system.desc': 'vnet switch',
      'lldp.tlv.system_cap': '0x0014',
      'lldp.tlv.system_cap.bridge': true,
      'lldp.tlv.system_cap.router': true,
      'lldp.tlv.system_cap.station_only': false,
      'lldp.tlv.enable_system_cap': '0x0004',
      'lldp.tlv.enable_system_cap.bridge': true,
      'lldp.tlv.enable_system_cap.router': false,
      'lldp.mgn.address.len': 5,
      'lldp.mgn.address.subtype': 1,
      'lldp.mgn.addr.ip4': '10.0.0.1',
      'lldp.mgn.interface.subtype': 2,
      'lldp.mgn.interface.number': 3,
      'lldp.mgn.obj.len': 0,
    });
    expect(d.summary).toBe('LLDP, length 67: s1');
  });

  it('shows textual chassis IDs as bytes, port IDs as text, and organisation OUIs', () => {
    const f = fieldMap(dissect(LOCAL));
    expect(f).toMatchObject({
      'lldp.chassis.subtype': 7,
      'lldp.chassis.id': '63:68:61:73:73:69:73:2d:31',
      'lldp.port.id.mac': '00:00:00:00:00:05',
      'lldp.time_to_live': 0,
      'lldp.orgtlv.oui': 0x0080c2,
    });
    expect(dissect(LOCAL).summary).toBe('LLDP, length 46');
  });

  it('shows network addresses and text the way Wireshark decodes it', () => {
    const chassis = '0206 05 01 0a000001';
    const port = '0412 04 02 20010db8000000000000000000000001';
    const mgmt = '101e 11 02 20010db8000000000000000000000001 03 00000007 06 2b0601020101';
    // A NUL ends the text; bytes above 0x7f are not ASCII.
    const d = dissect(fromHex(`${ETH} ${chassis} ${port} 0602 0078 0a05 68c3b67374 0c03 6e006d 0000`));
    expect(fieldMap(d)).toMatchObject({
      'lldp.network_address.subtype': [1, 2],
      'lldp.chassis.id.ip4': '10.0.0.1',
      'lldp.port.id.ip6': '2001:db8::1',
      'lldp.tlv.system.name': 'h\ufffd\ufffdst',
      'lldp.tlv.system.desc': 'n',
    });
    const m = fieldMap(dissect(fromHex(`${ETH} ${MANDATORY} ${mgmt} 100e 07 06 000000000009 01 00000000 00 0000`)));
    expect(m).toMatchObject({
      'lldp.mgn.addr.ip6': '2001:db8::1',
      'lldp.mgn.addr.hex': '00:00:00:00:00:09',
      'lldp.mgn.obj.len': [6, 0],
    });
  });

  it('names nothing after an organisationally specific TLV, whose malformed contents stop Wireshark', () => {
    const d = dissect(fromHex(`${ETH} ${MANDATORY} fe05 00120f 01 03 0a02 7331 0000`));
    expect(d.error).toBeUndefined();
    const f = fieldMap(d);
    expect(f).toMatchObject({ 'lldp.tlv.type': [1, 2, 3, 127], 'lldp.orgtlv.oui': 0x00120f });
    expect(f['lldp.tlv.system.name']).toBeUndefined();
    expect(d.summary).toBe('LLDP, length 33');
  });

  it('names nothing after a repeated Chassis ID, as Wireshark stops there', () => {
    const f = fieldMap(dissect(fromHex(`${ETH} ${MANDATORY} 0203 07 6162 0a02 7331 0000`)));
    expect(f).toMatchObject({ 'lldp.tlv.type': [1, 2, 3, 1], 'lldp.chassis.id': '61:62' });
    expect(f['lldp.tlv.system.name']).toBeUndefined();
  });

  it('reports a malformed TLV, keeping the fields before it', () => {
    const d = dissect(fromHex(`${ETH} ${MANDATORY} 0a02 7331 0e03 001400 0000`));
    expect(d.error).toMatchObject({ code: 'bad-length', layer: 'lldp' });
    expect(fieldMap(d)['lldp.tlv.system.name']).toBe('s1');
  });
});
