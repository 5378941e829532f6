import { describe, expect, it } from 'vitest';
import { type EchoEvent } from '../src/index.js';
import { Lab, conserved } from './lab.js';

describe('smoke', () => {
  it('pings across a wire', () => {
    const lab = new Lab();
    const h1 = lab.stack();
    const h2 = lab.stack();
    lab.link(h1, 'h1-eth0', '10.0.0.1/8', h2, 'h2-eth0', '10.0.0.2/8');
    const events: EchoEvent[] = [];
    h1.onEcho(7, (e) => events.push({ ...e }));
    lab.advanceTo(100);
    expect(h1.ping('10.0.0.2', { id: 7, seq: 1 })).toBe('queued');
    lab.pump();
    lab.advanceTo(105);
    console.log(JSON.stringify({ events, a1: h1.stats.arp, a2: h2.stats.arp, f1: h1.stats.frames, f2: h2.stats.frames, d1: h1.stats.txDrops, e1: h1.arp.entries(), e2: h2.arp.entries(), ip2: h2.stats.ip, r2: h2.stats.rxDrops, i2: h2.interfaces()[1].stats, b: h2.pollAt() }));
    expect(conserved(h1)).toBe(true);
  });
});
