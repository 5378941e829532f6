import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const TSX = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));
const PACKAGE = fileURLToPath(new URL('..', import.meta.url));

describe('nothing is left running', () => {
  it('a process that switches frames through a pipeline between links exits once the links close', () => {
    // The pipeline holds no timers or handles of its own (time comes in through poll), so
    // closing the links it was wired to is all a process needs to end.
    const code = `
      import { build, ethernet, ipv4, udp, payload } from '@vnet/frame';
      import { createLocalLink } from '@vnet/link';
      import { FlowPipeline, FrameBurst } from './src/index.ts';
      const links = [1, 2].map((n) => createLocalLink({ a: 'h' + n + '-eth0', b: 's1-eth' + n }));
      const p = new FlowPipeline({ ports: [1, 2], output: (port, b, o, l) => links[port - 1].b.send(b, o, l) });
      p.addFlow('priority=10,in_port=1,actions=output:2');
      links.forEach((l, i) => { l.b.onFrame = (b, o, len) => p.process(b, o, len, i + 1); });
      let got = 0;
      links[1].a.onFrame = () => got++;
      const frame = build(ethernet({ src: 1, dst: 2 }), ipv4(), udp(), payload('x'));
      for (let i = 0; i < 100; i++) links[0].a.send(frame);
      const burst = new FrameBurst();
      burst.push(frame, 0, frame.length, 1);
      p.processBurst(burst);
      p.poll(60_000);
      setTimeout(() => {
        console.log(got, p.stats.delivered);
        for (const l of links) { l.a.close(); l.b.close(); }
      }, 50);
    `;
    const r = spawnSync(TSX, ['--conditions=development', '-e', code], { cwd: PACKAGE, encoding: 'utf8', timeout: 60_000 });
    expect(r.error).toBeUndefined();
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('101 101\n');
    expect(r.status).toBe(0);
  }, 90_000);
});
