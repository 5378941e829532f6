import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FieldValue } from '@vnet/frame';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from 'vnet';
import { haveTool, PYTHON_WITH_SCAPY } from './tools.js';
import { sameValue } from './tshark.js';

const dir = mkdtempSync(join(tmpdir(), 'vnet-scapy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Expected = Record<string, string | number | boolean | Array<string | number | boolean>>;

/** scapy's value against ours: numbers may be hex text on our side (`0x0800`), as Wireshark shows them. */
function agree(ours: FieldValue, theirs: string | number | boolean): boolean {
  if (typeof theirs === 'string') return typeof ours === 'string' && ours.toLowerCase() === theirs.toLowerCase();
  if (typeof theirs === 'boolean') return ours === theirs;
  return typeof ours === 'number' ? ours === theirs : typeof ours === 'string' && sameValue(theirs, ours);
}

describe('vnet decode --json agrees with scapy', () => {
  if (!haveTool('scapy', PYTHON_WITH_SCAPY !== undefined, 'install it with apt-get install python3-scapy')) return;

  it('field by field on a varied scapy-built corpus', async () => {
    const pcap = join(dir, 'scapy.pcap');
    const json = join(dir, 'scapy.json');
    const script = new URL('../oracles/scapy_corpus.py', import.meta.url).pathname;
    execFileSync(PYTHON_WITH_SCAPY!, [script, pcap, json, '600', '5'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const expected = JSON.parse(readFileSync(json, 'utf8')) as Expected[];

    let out = '';
    const code = await main(['decode', '--json', pcap], { out: (t) => (out += t), err: () => {} });
    expect(code).toBe(0);
    const decoded = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, FieldValue | FieldValue[]>);
    expect(decoded).toHaveLength(expected.length);

    const problems: string[] = [];
    let compared = 0;
    expected.forEach((fields, i) => {
      const ours = decoded[i];
      if (ours['_ws.malformed']) problems.push(`frame ${i + 1}: ours malformed: ${ours['_ws.malformed']}`);
      for (const [name, value] of Object.entries(fields)) {
        const want = Array.isArray(value) ? value : [value];
        const got = ours[name] === undefined ? [] : Array.isArray(ours[name]) ? (ours[name] as FieldValue[]) : [ours[name] as FieldValue];
        compared += want.length;
        if (want.length !== got.length || want.some((w, k) => !agree(got[k], w))) {
          problems.push(`frame ${i + 1} ${name}: scapy ${JSON.stringify(value)}, vnet ${JSON.stringify(ours[name])}`);
        }
      }
    });
    expect(problems.slice(0, 15).join('\n'), `${problems.length} disagreements`).toBe('');
    expect(compared).toBeGreaterThan(8000);
  }, 120_000);
});
