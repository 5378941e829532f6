import { type Bench, consume, rate } from '@vnet/bench';
import { build, ethernet, extractFlowKey, ipv4, newFlowKey, payload, tcp, udp } from '../src/index.js';

// 1,024 distinct 64-byte frames, half TCP and half UDP, packed in one buffer as in a ring.
const FRAMES = 1024;
const ring = new Uint8Array(FRAMES * 64);
for (let i = 0; i < FRAMES; i++) {
  const l4 = i % 2 ? tcp({ srcPort: 1024 + i, dstPort: 80 }) : udp({ srcPort: 1024 + i, dstPort: 53 });
  ring.set(
    build(ethernet({ src: 1 + i, dst: 2 }), ipv4({ src: 0x0a000001 + i, dst: 0x0a000002 }), l4, payload(new Uint8Array(i % 2 ? 10 : 22))),
    i * 64,
  );
}

const key = newFlowKey();

export default [
  {
    name: 'flow key: parse eth+ipv4+tcp/udp, 64 B',
    unit: 'Mframes/s',
    target: '>= 30',
    run: () =>
      rate((n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) acc ^= extractFlowKey(ring, (i & (FRAMES - 1)) * 64, 64, 1, key);
        consume(acc ^ key[17]);
      }) / 1e6,
  },
] satisfies Bench[];
