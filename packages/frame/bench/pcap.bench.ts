import { type Bench, consume, rate } from '@vnet/bench';
import { PcapWriter } from '../src/index.js';

/** Bytes written per second by the pcap writer streaming 64 KiB chunks to a sink. */
function pcapWriteRate(frameLen: number): number {
  const record = { data: new Uint8Array(frameLen).fill(0xab), timestampNs: 1_700_000_000_000_000_000n };
  let written = 0;
  const writer = new PcapWriter({ sink: (chunk) => (written += chunk.length) });
  const perSecond = rate((n) => {
    for (let i = 0; i < n; i++) writer.write(record);
  });
  consume(written);
  return (perSecond * (frameLen + 16)) / 1e9;
}

export default [
  { name: 'pcap write, 1514 B frames', unit: 'GB/s', target: '>= 1', run: () => pcapWriteRate(1514) },
  { name: 'pcap write, 64 B frames', unit: 'GB/s', run: () => pcapWriteRate(64) },
] satisfies Bench[];
