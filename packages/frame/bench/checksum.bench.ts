import { type Bench, consume, rate } from '@vnet/bench';
import { internetChecksum } from '../src/index.js';

function checksumRate(size: number): number {
  const buf = new Uint8Array(size).map((_, i) => i * 7);
  const perSecond = rate((n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc ^= internetChecksum(buf);
    consume(acc);
  });
  return (perSecond * size) / 1e9;
}

export default [
  { name: 'internet checksum, 1500 B', unit: 'GB/s', target: '>= 6', run: () => checksumRate(1500) },
  { name: 'internet checksum, 64 KiB', unit: 'GB/s', target: '>= 6', run: () => checksumRate(65536) },
] satisfies Bench[];
