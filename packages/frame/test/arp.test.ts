import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Arp, ArpOperation, ArpPacket, type ArpRepr, dissect, FrameError, fieldMap, fromHex, parseIpv4, parseMac } from '../src/index.js';

// Bytes from scapy; field values checked against tshark 4.0 on the same frames.
// ARP(op=1, hwsrc=02:00:00:00:00:01, psrc=10.0.0.1, pdst=10.0.0.2)
const REQUEST = fromHex('0001 0800 06 04 0001 020000000001 0a000001 000000000000 0a000002');
// ARP(op=2, hwsrc=02:00:00:00:00:02, psrc=10.0.0.2, hwdst=02:00:00:00:00:01, pdst=10.0.0.1)
const REPLY = fromHex('0001 0800 06 04 0002 020000000002 0a000002 020000000001 0a000001');

const REQUEST_REPR: ArpRepr = {
  operation: ArpOperation.Request,
  senderMac: parseMac('02:00:00:00:00:01'),
  senderIp: parseIpv4('10.0.0.1'),
  targetMac: 0,
  targetIp: parseIpv4('10.0.0.2'),
};

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('ARP', () => {
  it('deconstructs', () => {
    const p = ArpPacket.checked(REPLY);
    expect([p.hardwareType, p.protocolType, p.hardwareLen, p.protocolLen]).toEqual([1, 0x0800, 6, 4]);
    expect(p.operation).toBe(ArpOperation.Reply);
    expect(p.senderMac).toBe(0x02_0000_0000_02);
    expect(p.senderIp).toBe(0x0a00_0002);
    expect(p.targetMac).toBe(0x02_0000_0000_01);
    expect(p.targetIp).toBe(0x0a00_0001);
  });

  it('constructs through setters', () => {
    const buf = new Uint8Array(28);
    const p = new ArpPacket(buf);
    p.fillHeader();
    p.operation = ArpOperation.Reply;
    p.senderMac = parseMac('02:00:00:00:00:02');
    p.senderIp = parseIpv4('10.0.0.2');
    p.targetMac = parseMac('02:00:00:00:00:01');
    p.targetIp = parseIpv4('10.0.0.1');
    expect(buf).toEqual(REPLY);
  });

  it('parses', () => {
    expect(Arp.parse(REQUEST)).toEqual(REQUEST_REPR);
  });

  it('emits', () => {
    const out = new Uint8Array(Arp.bufferLen(REQUEST_REPR));
    expect(Arp.emit(REQUEST_REPR, out)).toBe(28);
    expect(out).toEqual(REQUEST);
  });

  it('refuses a truncated packet', () => {
    expect(thrown(() => Arp.parse(REQUEST.subarray(0, 27)))).toMatchObject({ code: 'truncated', layer: 'arp', offset: 0 });
    expect(thrown(() => Arp.parse(REQUEST.subarray(0, 7)))).toMatchObject({ code: 'truncated', layer: 'arp' });
  });

  it('refuses other address families and sizes as unsupported', () => {
    const ipv6 = REQUEST.slice();
    ipv6[2] = 0x86;
    ipv6[3] = 0xdd;
    expect(thrown(() => Arp.parse(ipv6))).toMatchObject({ code: 'unsupported', layer: 'arp', offset: 0 });
    const wide = REQUEST.slice();
    wide[4] = 8;
    const err = thrown(() => Arp.parse(wide));
    expect(err).toBeInstanceOf(FrameError);
    expect(err).toMatchObject({ code: 'unsupported', offset: 4 });
  });

  it('round-trips any repr', () => {
    const repr = fc.record({
      operation: fc.integer({ min: 0, max: 0xffff }),
      senderMac: fc.integer({ min: 0, max: 0xffff_ffff_ffff }),
      senderIp: fc.integer({ min: 0, max: 0xffff_ffff }),
      targetMac: fc.integer({ min: 0, max: 0xffff_ffff_ffff }),
      targetIp: fc.integer({ min: 0, max: 0xffff_ffff }),
    });
    fc.assert(
      fc.property(repr, (r) => {
        const buf = new Uint8Array(Arp.bufferLen(r));
        Arp.emit(r, buf);
        expect(Arp.parse(buf)).toEqual(r);
      }),
    );
  });

  it('throws nothing but FrameError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        try {
          Arp.parse(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(FrameError);
        }
      }),
    );
  });
});

describe('ARP dissector', () => {
  it('names a padded request as tshark does', () => {
    // Ether(dst=broadcast)/ARP(op=1, …)/18 bytes of padding
    const frame = fromHex(`ffffffffffff 020000000001 0806 0001080006040001020000000001 0a000001 000000000000 0a000002 ${'00'.repeat(18)}`);
    const d = dissect(frame);
    expect(d.error).toBeUndefined();
    expect(fieldMap(d)).toMatchObject({
      'arp.hw.type': 1,
      'arp.proto.type': '0x0800',
      'arp.hw.size': 6,
      'arp.proto.size': 4,
      'arp.opcode': 1,
      'arp.src.hw_mac': '02:00:00:00:00:01',
      'arp.src.proto_ipv4': '10.0.0.1',
      'arp.dst.hw_mac': '00:00:00:00:00:00',
      'arp.dst.proto_ipv4': '10.0.0.2',
    });
    expect(d.summary).toBe('ARP, Request who-has 10.0.0.2 tell 10.0.0.1, length 46');
  });

  it('summarises a reply', () => {
    const d = dissect(fromHex('020000000001 020000000002 0806 0001080006040002020000000002 0a000002 020000000001 0a000001'));
    expect(d.summary).toBe('ARP, Reply 10.0.0.2 is-at 02:00:00:00:00:02, length 28');
    expect(fieldMap(d)['arp.isgratuitous']).toBeUndefined();
  });

  it('marks probes and announcements as Wireshark does', () => {
    const probe = fieldMap(dissect(fromHex('ffffffffffff 020000000001 0806 0001080006040001 020000000001 00000000 000000000000 0a000005')));
    expect(probe['arp.isprobe']).toBe(true);
    const announce = fieldMap(
      dissect(fromHex('ffffffffffff 020000000001 0806 0001080006040001 020000000001 0a000001 000000000000 0a000001')),
    );
    expect(announce).toMatchObject({ 'arp.isgratuitous': true, 'arp.isannouncement': true });
  });

  it('dissects RARP under the same name', () => {
    // Ether(type=0x8035)/ARP(op=3, hwsrc=hwdst=02:00:00:00:00:01)
    const request = dissect(fromHex('ffffffffffff 020000000001 8035 0001080006040003 020000000001 00000000 020000000001 00000000'));
    expect(request.layers.map((l) => l.protocol)).toEqual(['eth', 'arp']);
    expect(fieldMap(request)['arp.opcode']).toBe(3);
    expect(request.summary).toBe('ARP, Reverse Request who-is 02:00:00:00:00:01 tell 02:00:00:00:00:01, length 28');
    const reply = dissect(fromHex('020000000001 020000000002 8035 0001080006040004 020000000002 0a000002 020000000001 0a000001'));
    expect(reply.summary).toBe('ARP, Reverse Reply 02:00:00:00:00:01 at 10.0.0.1, length 28');
  });

  it('keeps the fixed fields of an unsupported packet and reports it', () => {
    const d = dissect(fromHex(`ffffffffffff 020000000001 0806 0006 0800 11 04 0001 ${'00'.repeat(40)}`));
    expect(d.error).toMatchObject({ code: 'unsupported', layer: 'arp' });
    expect(fieldMap(d)).toMatchObject({ 'arp.hw.type': 6, 'arp.hw.size': 17, 'arp.opcode': 1 });
  });
});
