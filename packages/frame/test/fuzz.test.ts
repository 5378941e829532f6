import { describe, expect, it } from 'vitest';
import { decoders, fuzz } from '../fuzz/engine.js';

// The short, seeded pass of the fuzzer that CI runs; `npm run fuzz` runs a million inputs.
describe('fuzzing', () => {
  it('finds every codec and view', () => {
    const names = decoders().map((d) => d.name);
    for (const expected of [
      'Ethernet.parse',
      'Ipv4.parse',
      'Tcp.parse',
      'Dns.parse',
      'Dhcp.parse',
      'Lldp.parse',
      'Ipv6Packet.checked',
      'TcpSegment.checked',
    ]) {
      expect(names).toContain(expected);
    }
  });

  it('lets only FrameError escape any decoder', () => {
    const report = fuzz({ iterations: 30_000, seed: 20261122 });
    expect(report.failures).toEqual([]);
    expect(report.executions).toBeGreaterThan(200_000);
  }, 120_000);
});
