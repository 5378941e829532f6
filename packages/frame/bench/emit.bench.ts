import { type Bench, consume, rate } from '@vnet/bench';
import {
  build,
  Ethernet,
  type EthernetRepr,
  ethernet,
  Ipv4,
  type Ipv4Repr,
  ipv4,
  payload,
  pseudoHeaderSum4,
  Udp,
  type UdpRepr,
  udp,
} from '../src/index.js';

// A 64-byte UDP frame emitted with reused reprs into a reused buffer, as a traffic generator does.
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
const checksum = { pseudoSum: pseudoHeaderSum4(ip.src, ip.dst, 17, 30), mode: 'compute' as const };

function emitUdpFrames(n: number): void {
  for (let i = 0; i < n; i++) {
    dgram.srcPort = i & 0xffff;
    ip.identification = i & 0xffff;
    Ethernet.emit(eth, out, 0);
    Ipv4.emit(ip, out, 14);
    Udp.emit(dgram, out, 34, checksum);
  }
  consume(out[40]);
}

const data = new Uint8Array(22);

export default [
  { name: 'emit 64 B UDP frame (codecs, reused reprs)', unit: 'Mframes/s', target: '>= 10', run: () => rate(emitUdpFrames) / 1e6 },
  {
    name: 'build() 64 B UDP frame (layer API, new frame each)',
    unit: 'Mframes/s',
    run: () =>
      rate((n) => {
        for (let i = 0; i < n; i++)
          consume(build(ethernet({ src: 1, dst: 2 }), ipv4({ src: 1, dst: 2 }), udp({ srcPort: i & 0xffff, dstPort: 9 }), payload(data)));
      }) / 1e6,
  },
] satisfies Bench[];
