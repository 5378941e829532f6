import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dissect, fieldMap, writePcap } from '@vnet/frame';
import { afterAll, describe, expect, it } from 'vitest';
import { frameCorpus } from './frame-corpus.js';
import { hasTshark, haveTool } from './tools.js';
import { disagreements, tsharkComplaints, tsharkPackets } from './tshark.js';

const dir = mkdtempSync(join(tmpdir(), 'vnet-tshark-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tshark agrees with @vnet/frame', () => {
  if (!haveTool('tshark', hasTshark, 'install it with apt-get install tshark')) return;

  it('on every field of 1,500 built frames, with no malformed frame or bad checksum', () => {
    const frames = frameCorpus(2000, 7);
    const file = join(dir, 'corpus.pcap');
    writeFileSync(file, writePcap(frames.map((data, i) => ({ data, timestampNs: BigInt(i) * 1000n }))));
    const packets = tsharkPackets(file);
    expect(packets).toHaveLength(frames.length);
    const problems: string[] = [];
    let compared = 0;
    frames.forEach((frame, i) => {
      const d = dissect(frame);
      const ours = fieldMap(d);
      compared += Object.keys(ours).length;
      const found = [
        ...(d.error ? [`ours: malformed: ${d.error.message}`] : []),
        ...disagreements(ours, packets[i]),
        ...tsharkComplaints(packets[i]),
      ];
      if (found.length) problems.push(`frame ${i + 1} (${d.summary}):\n    ${found.join('\n    ')}`);
    });
    expect(problems.slice(0, 10).join('\n'), `${problems.length} frames disagree`).toBe('');
    expect(compared).toBeGreaterThan(20_000);
  }, 120_000);
});
