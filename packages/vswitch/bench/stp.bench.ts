// Spanning tree costs: the per-frame questions the switch asks (learns/forwards), handling the
// BPDU a root port hears every hello, and converging Mininet's torus,3,3 in emulated time.
import { type Bench, consume, median, rate } from '@vnet/bench';
import { build, ethernet, llc, STP_MULTICAST, StpFlags, StpPortRole, stp } from '@vnet/frame';
import { SpanningTree, type StpProtocol } from '../src/index.js';
import { StpNet, torus } from '../test/stp-net.js';

function forwardsChecks(n: number): void {
  const s = new SpanningTree({ bridgeMac: 1, protocol: 'rstp', send: () => {} });
  for (let p = 1; p <= 8; p++) s.addPort(p, { edge: true });
  let yes = 0;
  for (let i = 0; i < n; i++) {
    const port = (i & 7) + 1;
    if (s.learns(port) && s.forwards(port)) yes++;
  }
  consume(yes);
}

/** A bridge whose root port hears the same BPDU from the root again and again. */
function repeatedBpdus(protocol: StpProtocol): (n: number) => void {
  const s = new SpanningTree({ bridgeMac: 2, protocol, send: () => {} });
  s.addPort(1);
  const rst = protocol === 'rstp';
  const bpdu = build(
    ethernet({ dst: STP_MULTICAST, src: 1 }),
    llc(),
    stp({
      bpdu: rst ? 'rst' : 'config',
      version: rst ? 2 : 0,
      flags: rst ? (StpPortRole.Designated << 2) | StpFlags.Learning | StpFlags.Forwarding : 0,
      root: { priority: 32768, mac: 1 },
      rootPathCost: 0,
      bridge: { priority: 32768, mac: 1 },
      portId: 0x8001,
      messageAge: 0,
      maxAge: 20,
      helloTime: 2,
      forwardDelay: 15,
    }),
  );
  s.receiveBpdu(1, bpdu);
  return (n) => {
    for (let i = 0; i < n; i++) s.receiveBpdu(1, bpdu, 0, bpdu.length);
    consume(s.rootPort);
  };
}

function convergeTorus(protocol: StpProtocol): number {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const net = new StpNet(protocol);
    torus(net);
    net.run(protocol === 'stp' ? 31_000 : 1_000);
    if (!net.isSpanningTree()) throw new Error('the torus did not converge');
    times.push(performance.now() - t0);
  }
  return median(times);
}

export default [
  { name: 'stp: learns()+forwards() per frame', unit: 'Mframes/s', target: '>= 100', run: () => rate(forwardsChecks) / 1e6 },
  {
    name: 'stp: repeated Configuration BPDU on the root port',
    unit: 'kBPDU/s',
    target: '>= 500',
    run: () => rate(repeatedBpdus('stp')) / 1e3,
  },
  { name: 'rstp: repeated RST BPDU on the root port', unit: 'kBPDU/s', target: '>= 500', run: () => rate(repeatedBpdus('rstp')) / 1e3 },
  { name: 'stp: converge torus,3,3 (31 s emulated)', unit: 'ms', run: () => convergeTorus('stp') },
  { name: 'rstp: converge torus,3,3 (1 s emulated)', unit: 'ms', run: () => convergeTorus('rstp') },
] satisfies Bench[];
