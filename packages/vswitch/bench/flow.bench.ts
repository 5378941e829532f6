import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type Bench, consume, rate } from '@vnet/bench';
import { build, ethernet, extractFlowKey, ipv4, newFlowKey, payload, tcp, udp } from '@vnet/frame';
import { Classifier, FlowPipeline, FlowRule, FrameBurst, parseFlow } from '../src/index.js';

// One switch worker's pipeline: 4 ports, 64-byte frames arriving on port 1 in bursts of 32.
const FRAME = 64;
const ip = (a: number, b: number) => `10.${(a >> 8) & 255}.${a & 255}.${b}`;

/** `count` distinct 64-byte TCP/UDP frames to 1,000 destinations, packed as in a ring. */
function frames(count: number): Uint8Array {
  const ring = new Uint8Array(count * FRAME);
  for (let i = 0; i < count; i++) {
    const l4 = i % 2 ? tcp({ srcPort: 1024 + (i % 50_000), dstPort: 80 }) : udp({ srcPort: 1024 + (i % 50_000), dstPort: 53 });
    const f = build(
      ethernet({ src: 0x0200_0000_0000 + (i % 4096), dst: 0x0200_0000_1000 }),
      ipv4({ src: `172.16.${(i >> 8) & 255}.${i & 255}`, dst: ip(i % 1000, 1) }),
      l4,
      payload(new Uint8Array(i % 2 ? 10 : 22)),
    );
    ring.set(f, i * FRAME);
  }
  return ring;
}

/** 1,000 flows by destination, output to ports 2-4, and a table-miss flow. */
function pipeline(extra: string[] = []): { p: FlowPipeline; sent: { n: number } } {
  const sent = { n: 0 };
  const p = new FlowPipeline({
    ports: [1, 2, 3, 4],
    output: () => {
      sent.n++;
    },
  });
  for (let i = 0; i < 1000; i++) p.addFlow(`priority=100,ip,nw_dst=${ip(i, 1)},actions=output:${2 + (i % 3)}`);
  p.addFlow('priority=0,actions=drop');
  for (const f of extra) p.addFlow(f);
  return { p, sent };
}

/** Frames per second through `p`, cycling through `count` frames of `ring` in bursts of 32. */
function burstRate(p: FlowPipeline, ring: Uint8Array, count: number, before?: (i: number) => void): number {
  const burst = new FrameBurst();
  let at = 0;
  return rate((n) => {
    for (let done = 0; done < n; done += 32) {
      burst.clear();
      for (let k = 0; k < 32; k++) {
        if (at === count) {
          at = 0;
          before?.(at);
        }
        burst.push(ring, at * FRAME, FRAME, 1);
        at++;
      }
      p.processBurst(burst);
    }
  });
}

/** Builds once: the runner measures each bench twice (warm-up, then counted), and setup must not count. */
function once<T>(make: () => T): () => T {
  let v: T | undefined;
  return () => {
    v ??= make();
    return v;
  };
}

const cachedSetup = once(() => ({ ring: frames(1000), ...pipeline() }));

function cachedRate(): number {
  const { ring, p, sent } = cachedSetup();
  const mpps = burstRate(p, ring, 1000) / 1e6;
  consume(sent.n);
  return mpps;
}

/** The same, each frame rewritten on the way: a MAC, the destination IP (checksums patched), a pushed tag. */
const rewriteSetup = once(() => {
  const s = { ring: frames(1000), ...pipeline() };
  s.p.addFlow('priority=200,ip,actions=mod_dl_dst:02:00:00:00:00:99,mod_nw_dst:10.9.9.9,mod_vlan_vid:10,output:2');
  return s;
});

function rewriteRate(): number {
  const { ring, p, sent } = rewriteSetup();
  const mpps = burstRate(p, ring, 1000) / 1e6;
  consume(sent.n);
  return mpps;
}

const megaflowSetup = once(() => ({ ring: frames(100_000), ...pipeline() }));

function megaflowRate(): number {
  const { ring, p, sent } = megaflowSetup();
  const mpps = burstRate(p, ring, 100_000) / 1e6;
  consume(sent.n + p.stats.megaflowHits);
  return mpps;
}

/**
 * Upcalls per second: a rule on the source port makes every frame's megaflow its own, and the
 * caches are flushed each time the 65,536 frames come round again, so every frame is a first packet.
 */
// A rule on the source port that no frame matches: every lookup must consult the source port.
const PORT_RULES = [
  'priority=200,tcp,nw_src=192.168.0.1,tp_src=7,actions=drop',
  'priority=200,udp,nw_src=192.168.0.1,tp_src=7,actions=drop',
];
const upcallSetup = once(() => ({ ring: frames(65_536), ...pipeline(PORT_RULES) }));

function upcallRate(): number {
  const count = 65_536;
  const { ring, p, sent } = upcallSetup();
  const r = burstRate(p, ring, count, () => p.flushCaches());
  consume(sent.n);
  return r / 1e3;
}

/** Classifier lookups over 1,000 rules in 20 masks (random priorities), keys from 1,024 frames. */
const classifierSetup = once(() => {
  const cls = new Classifier<FlowRule>();
  const masks = [
    'ip,nw_dst=%D/8',
    'ip,nw_dst=%D/16',
    'ip,nw_dst=%D/24',
    'ip,nw_dst=%D',
    'ip,nw_src=%S/24',
    'ip,nw_src=%S',
    'ip,nw_src=%S,nw_dst=%D',
    'tcp,tp_dst=%P',
    'udp,tp_dst=%P',
    'tcp,nw_dst=%D,tp_dst=%P',
    'udp,nw_dst=%D,tp_dst=%P',
    'in_port=%I',
    'in_port=%I,ip,nw_dst=%D/24',
    'dl_src=%M',
    'dl_dst=%M',
    'dl_src=%M,dl_dst=%M',
    'tcp,tp_src=%P',
    'udp,tp_src=%P',
    'ip,nw_src=%S/16,nw_dst=%D/16',
    'tcp,nw_src=%S,tp_src=%P',
  ];
  let seed = 7;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let i = 0; i < 1000; i++) {
    const text = masks[i % 20]
      .replace(/%D/g, ip(rnd(1000), 1))
      .replace(/%S/g, `172.16.${rnd(4)}.${rnd(256)}`)
      .replace(/%P/g, String(1024 + rnd(2000)))
      .replace(/%I/g, String(1 + rnd(4)))
      .replace(/%M/g, `02:00:00:00:0${rnd(2)}:${(rnd(256) + 256).toString(16).slice(1)}`);
    const f = parseFlow(`priority=${rnd(1000)},${text},actions=drop`);
    cls.insert(new FlowRule(0, f.priority, f.match, f.actions, 0n, 0, 0, 0, i));
  }
  const ring = frames(1024);
  const keys: Int32Array[] = [];
  for (let i = 0; i < 1024; i++) {
    const k = newFlowKey();
    extractFlowKey(ring, i * FRAME, FRAME, 1 + (i % 4), k);
    keys.push(new Int32Array(k.buffer));
  }
  return { cls, keys };
});

function classifierNs(): number {
  const { cls, keys } = classifierSetup();
  let hits = 0;
  const perSecond = rate((n) => {
    for (let i = 0; i < n; i++) if (cls.lookup(keys[i & 1023]) !== undefined) hits++;
  });
  consume(hits);
  return 1e9 / perSecond;
}

/** Heap and array-buffer bytes that 100,000 megaflows take (each frame its own megaflow). */
function megaflowMemoryMB(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const count = 100_000;
  const ring = frames(count);
  const { p } = pipeline(PORT_RULES);
  // Distinct (destination, source port) pairs: the source ports repeat every 50,000 frames, so
  // rewrite them to make each of the 100,000 frames a megaflow of its own.
  for (let i = 0; i < count; i++) {
    ring[i * FRAME + 34] = (i >>> 8) & 0xff;
    ring[i * FRAME + 35] = i & 0xff;
    ring[i * FRAME + 30] = 10 + (i >>> 16);
  }
  gc();
  const before = process.memoryUsage();
  for (let i = 0; i < count; i++) p.process(ring, i * FRAME, FRAME, 1);
  gc();
  const after = process.memoryUsage();
  if (p.stats.megaflows !== count) throw new Error(`expected ${count} megaflows, got ${p.stats.megaflows}`);
  return (after.heapUsed - before.heapUsed + after.arrayBuffers - before.arrayBuffers) / 2 ** 20;
}

export default [
  { name: 'flow pipeline: 1,000 flows all cached, 64 B, bursts of 32', unit: 'Mpps', target: '>= 10', run: cachedRate },
  { name: 'flow pipeline: 1,000 flows cached, rewriting MAC, IP and VLAN, 64 B', unit: 'Mpps', run: rewriteRate },
  { name: 'flow pipeline: 100,000 flows, megaflow hits, 64 B', unit: 'Mpps', target: '>= 5', run: megaflowRate },
  { name: 'flow pipeline: first-packet upcall setup', unit: 'kflows/s', target: '>= 200', run: upcallRate },
  { name: 'classifier: 1,000 rules over 20 masks, per lookup', unit: 'ns', target: '<= 200', run: classifierNs },
  { name: 'megaflow cache: 100,000 megaflows', unit: 'MB', target: '<= 50', run: megaflowMemoryMB, warmup: false },
] satisfies Bench[];
