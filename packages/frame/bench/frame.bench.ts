import { type Bench, consume, rate } from '@vnet/bench';
import {
  build,
  Ethernet,
  type EthernetRepr,
  ethernet,
  extractFlowKey,
  Ipv4,
  type Ipv4Repr,
  internetChecksum,
  ipv4,
  newFlowKey,
  PcapWriter,
  payload,
  pseudoHeaderSum4,
  tcp,
  Udp,
  type UdpRepr,
  udp,
} from '../src/index.js';

// 1,024 distinct 64-byte frames, half TCP and half UDP, packed in one buffer like a ring.
const FRAMES = 1024;
const ring = new Uint8Array(FRAMES * 64);
for (let i = 0; i < FRAMES; i++) {
  const l4 = i % 2 ? tcp({ srcPort: 1024 + i, dstPort: 80 }) : udp({ srcPort: 1024 + i, dstPort: 53 });
  const f = build(
    ethernet({ src: 1 + i, dst: 2 }),
    ipv4({ src: 0x0a000001 + i, dst: 0x0a000002 }),
    l4,
    payload(new Uint8Array(i % 2 ? 10 : 22)),
  );
  ring.set(f, i * 64);
}

const key = newFlowKey();
function flowKeys(n: number): void {
  let acc = 0;
  for (let i = 0; i < n; i++) acc += extractFlowKey(ring, (i & (FRAMES - 1)) * 64, 64, 1, key);
  consume(acc + key[17]);
}

function checksumRate(size: number): number {
  const buf = new Uint8Array(size).map((_, i) => i * 7);
  return (
    (rate((n) => {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += internetChecksum(buf);
      consume(acc);
    }) *
      size) /
    1e9
  );
}

// Emit a 64-byte UDP frame with reused reprs into a reused buffer, as a traffic generator does.
const out = new Uint8Array(64);
const eth: EthernetRepr = { dst: 2, src: 1, ethertype: 0x0800 };
const ip: Ipv4Repr = {
  dscp: 0,
  ecn: 0,
  identification: 0,
  reservedFlag: false,
  dontFragment: true,
  moreFragments: false,
  fragmentOffset: 0,
  ttl: 64,
  protocol: 17,
  src: 0x0a000001,
  dst: 0x0a000002,
  options: new Uint8Array(0),
  payloadLen: 30,
};
const dgram: UdpRepr = { srcPort: 1, dstPort: 9, payloadLen: 22 };
const cs = { pseudoSum: pseudoHeaderSum4(ip.src, ip.dst, 17, 30), mode: 'compute' as const };
function emitUdpFrames(n: number): void {
  for (let i = 0; i < n; i++) {
    dgram.srcPort = i & 0xffff;
    ip.identification = i & 0xffff;
    Ethernet.emit(eth, out, 0);
    Ipv4.emit(ip, out, 14);
    Udp.emit(dgram, out, 34, cs);
  }
  consume(out[40]);
}

/** Bytes written per second by the pcap writer streaming 64 KiB chunks to a sink. */
function pcapWriteRate(frameLen: number): number {
  const data = new Uint8Array(frameLen).fill(0xab);
  const record = { data, timestampNs: 1_700_000_000_000_000_000n };
  let written = 0;
  const writer = new PcapWriter({ sink: (chunk) => (written += chunk.length) });
  const perSecond = rate((n) => {
    for (let i = 0; i < n; i++) writer.write(record);
  });
  consume(written);
  return (perSecond * (frameLen + 16)) / 1e9;
}

export default [
  {
    name: 'flow key: parse eth+ipv4+tcp/udp, 64 B',
    unit: 'Mframes/s',
    target: '>= 30',
    run: () => rate(flowKeys) / 1e6,
  },
  { name: 'internet checksum, 1500 B', unit: 'GB/s', target: '>= 6', run: () => checksumRate(1500) },
  { name: 'internet checksum, 64 KiB', unit: 'GB/s', target: '>= 6', run: () => checksumRate(65536) },
  {
    name: 'emit 64 B UDP frame (codecs, reused reprs)',
    unit: 'Mframes/s',
    target: '>= 10',
    run: () => rate(emitUdpFrames) / 1e6,
  },
  {
    name: 'build() 64 B UDP frame (layer API)',
    unit: 'Mframes/s',
    run: () =>
      rate((n) => {
        for (let i = 0; i < n; i++)
          consume(
            build(
              ethernet({ src: 1, dst: 2 }),
              ipv4({ src: 1, dst: 2 }),
              udp({ srcPort: i & 0xffff, dstPort: 9 }),
              payload(out.subarray(0, 22)),
            ),
          );
      }) / 1e6,
  },
  { name: 'pcap write, 1514 B frames', unit: 'GB/s', target: '>= 1', run: () => pcapWriteRate(1514) },
  { name: 'pcap write, 64 B frames', unit: 'GB/s', run: () => pcapWriteRate(64) },
] satisfies Bench[];
