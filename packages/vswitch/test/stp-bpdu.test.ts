// BPDUs on the wire (built with @vnet/frame, read back by its codec and by tshark), hostile
// input (every malformed BPDU counted under a reason, never thrown, nothing changed), option
// checking with typed errors, and a process that exits by itself.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  build,
  ethernet,
  llc,
  STP_MULTICAST,
  Stp,
  StpFlags,
  StpPortRole,
  type StpRepr,
  setU16,
  stp,
  u16,
  u48,
  writePcap,
} from '@vnet/frame';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BPDU_FRAME_LEN, BpduDrop, SpanningTree, type StpProtocol, SwitchError } from '../src/index.js';
import { StpNet, torus } from './stp-net.js';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const TSX = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));

/** Sent frames of a converged-then-disturbed network. */
function traffic(protocol: StpProtocol): Uint8Array[] {
  const net = new StpNet(protocol);
  torus(net, 3, 3, (name) => (name === 's33' ? { priority: 4096 } : {}));
  net.settle();
  net.cut(net.linkBetween('s33', 's31'));
  net.settle();
  return [...net.bridges.values()].flatMap((b) => b.sent.map((s) => s.frame));
}

type PriorityBpdu = Exclude<StpRepr, { bpdu: 'tcn' }>;
const config = (over: Partial<PriorityBpdu> = {}): PriorityBpdu => ({
  bpdu: 'config',
  version: 0,
  flags: 0,
  root: { priority: 4096, mac: 9 },
  rootPathCost: 0,
  bridge: { priority: 4096, mac: 9 },
  portId: 0x8001,
  messageAge: 0,
  maxAge: 20,
  helloTime: 2,
  forwardDelay: 15,
  ...over,
});
const frame = (repr: StpRepr) => build(ethernet({ dst: STP_MULTICAST, src: 9 }), llc(), stp(repr));

describe('BPDUs sent', () => {
  it('STP: Configuration and TCN BPDUs in 60-byte 802.3/LLC frames to 01:80:c2:00:00:00', () => {
    const frames = traffic('stp');
    const kinds = new Set<string>();
    for (const f of frames) {
      expect(f.length).toBe(BPDU_FRAME_LEN);
      expect(u48(f, 0)).toBe(STP_MULTICAST);
      expect([f[14], f[15], f[16]]).toEqual([0x42, 0x42, 0x03]);
      const repr = Stp.parse(f, 17);
      expect(u16(f, 12)).toBe(3 + Stp.bufferLen(repr));
      kinds.add(repr.bpdu);
      if (repr.bpdu === 'tcn') continue;
      expect(repr.version).toBe(0);
      expect([repr.maxAge, repr.helloTime, repr.forwardDelay]).toEqual([20, 2, 15]);
      expect(repr.messageAge).toBeLessThan(repr.maxAge);
      // Only the two topology change bits exist in Configuration BPDUs.
      expect(repr.flags & ~(StpFlags.TopologyChange | StpFlags.TopologyChangeAck)).toBe(0);
      expect(repr.portId >> 12).toBe(8);
    }
    expect([...kinds].sort()).toEqual(['config', 'tcn']);
  });

  it('RSTP: version 2 RST BPDUs carrying the port role, proposal, agreement, learning and forwarding', () => {
    const frames = traffic('rstp');
    const roles = new Set<number>();
    let proposals = 0;
    let agreements = 0;
    for (const f of frames) {
      const repr = Stp.parse(f, 17);
      expect(repr.bpdu).toBe('rst');
      if (repr.bpdu !== 'rst') continue;
      expect(repr.version).toBe(2);
      const role = (repr.flags & StpFlags.PortRoleMask) >> 2;
      roles.add(role);
      if (repr.flags & StpFlags.Proposal) {
        proposals++;
        // Only designated ports that do not forward yet propose.
        expect(role).toBe(StpPortRole.Designated);
        expect(repr.flags & StpFlags.Forwarding).toBe(0);
      }
      if (repr.flags & StpFlags.Agreement) agreements++;
      if (repr.flags & StpFlags.Forwarding) expect(repr.flags & StpFlags.Learning).toBeTruthy();
    }
    expect([...roles].sort()).toEqual([StpPortRole.AlternateBackup, StpPortRole.Root, StpPortRole.Designated]);
    expect(proposals).toBeGreaterThan(0);
    expect(agreements).toBeGreaterThan(0);
  });

  const tshark = spawnSync('tshark', ['-v']).status === 0 || process.env.VNET_REQUIRE_TOOLS === '1';
  it.skipIf(!tshark)('reads as tshark dissects them, field for field, with nothing malformed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vnet-stp-'));
    try {
      for (const protocol of ['stp', 'rstp'] as const) {
        const frames = traffic(protocol);
        const file = join(dir, `${protocol}.pcap`);
        writeFileSync(file, writePcap(frames.map((data) => ({ data, timestampNs: 0n }))));
        const fields = [
          'stp.type',
          'stp.version',
          'stp.flags',
          'stp.root.prio',
          'stp.root.hw',
          'stp.root.cost',
          'stp.bridge.hw',
          'stp.port',
          'stp.msg_age',
        ];
        const out = execFileSync('tshark', ['-r', file, '-T', 'fields', ...fields.flatMap((e) => ['-e', e])], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        const hex = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;
        const mac = (n: number) =>
          n
            .toString(16)
            .padStart(12, '0')
            .replace(/(..)(?!$)/g, '$1:');
        const expected = frames.map((f) => {
          const r = Stp.parse(f, 17);
          if (r.bpdu === 'tcn') return [hex(0x80), '0', '', '', '', '', '', '', ''].join('\t');
          const type = r.bpdu === 'rst' ? 2 : 0;
          return [
            hex(type),
            r.version,
            hex(r.flags),
            r.root.priority,
            mac(r.root.mac),
            r.rootPathCost,
            mac(r.bridge.mac),
            `0x${r.portId.toString(16)}`,
            r.messageAge,
          ].join('\t');
        });
        expect(out.trimEnd().split('\n')).toEqual(expected);
        const malformed = execFileSync('tshark', ['-r', file, '-Y', '_ws.malformed || _ws.expert.severity >= warning'], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        expect(malformed).toBe('');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('BPDUs received', () => {
  /** A bridge with two ports: one that BPDUs are injected on, one down. */
  function target(protocol: StpProtocol) {
    const net = new StpNet(protocol);
    const s = net.add('s', 0x20);
    s.addPort(1);
    s.addPort(2);
    s.setPortUp(2, false);
    // Past the first hello: the bridge has sent BPDUs of its own.
    net.run(3000);
    const state = () => JSON.stringify([s.rootId, s.rootPort, s.portNumbers().map((n) => s.portInfo(n))]);
    return { net, s, state };
  }

  const rst = () => frame(config({ bpdu: 'rst', version: 2, flags: StpPortRole.Designated << 2 }));
  const cases: Array<[string, () => Uint8Array, string, number?]> = [
    ['too short for a TCN', () => frame(config()).subarray(0, 20), BpduDrop.Runt],
    ['to another address', () => withByte(frame(config()), 5, 0x01), BpduDrop.NotBpdu],
    ['an EtherType frame', () => withU16(frame(config()), 12, 0x0800), BpduDrop.NotBpdu],
    ['another LLC SAP', () => withByte(frame(config()), 14, 0xaa), BpduDrop.NotBpdu],
    ['a numbered LLC frame', () => withByte(frame(config()), 16, 0x00), BpduDrop.NotBpdu],
    ['protocol identifier 1', () => withU16(frame(config()), 17, 1), BpduDrop.BadProtocol],
    ['BPDU type 5', () => withByte(frame(config()), 20, 5), BpduDrop.UnknownType],
    ['a Configuration BPDU cut short', () => frame(config()).subarray(0, 17 + 30), BpduDrop.Truncated],
    ['an 802.3 length shorter than the BPDU', () => withU16(frame(config()), 12, 3 + 20), BpduDrop.Truncated],
    ['an RST BPDU of version 0', () => withByte(rst(), 19, 0), BpduDrop.BadVersion],
    ['message age not below max age', () => frame(config({ messageAge: 20 })), BpduDrop.BadTimers],
    ['for a port the bridge lacks', () => frame(config()), BpduDrop.NoSuchPort, 9],
    ['for a port whose link is down', () => frame(config()), BpduDrop.PortDown, 2],
  ];

  describe.each(['stp', 'rstp'] as const)('%s', (protocol) => {
    it.each(cases)('counts %s and changes nothing', (_, make, reason, port = 1) => {
      const { net, s, state } = target(protocol);
      const before = state();
      expect(() => net.inject('s', port, make())).not.toThrow();
      expect(s.drops).toEqual({ [reason]: 1 });
      expect(state()).toBe(before);
    });

    it('counts its own BPDU come back on the port that sent it as looped', () => {
      const { net, s, state } = target(protocol);
      const own = net.bridge('s').sent.find((x) => x.port === 1 && x.frame[20] !== 0x80)!.frame;
      const before = state();
      net.inject('s', 1, own);
      expect(s.drops).toEqual({ [BpduDrop.Looped]: 1 });
      expect(state()).toBe(before);
    });

    it('takes a valid BPDU after all that: a better root', () => {
      const { net, s } = target(protocol);
      net.inject('s', 1, frame(config()));
      expect(s.drops).toEqual({});
      expect(s.rootId).toEqual({ priority: 4096, mac: 9 });
      expect(s.rootPort).toBe(1);
    });

    it('never throws on arbitrary or mangled frames, and accounts for every one', () => {
      const valid = [frame(config()), rst(), frame({ bpdu: 'tcn', version: 0 })];
      const mangled = fc
        .tuple(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(80), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(80))
        .map(([f, edits, cut]) => {
          const g = new Uint8Array(f);
          for (const [at, v] of edits) if (at < g.length) g[at] = v;
          return g.subarray(0, Math.max(cut, 17));
        });
      fc.assert(
        fc.property(fc.array(fc.oneof(mangled, fc.uint8Array({ maxLength: 80 })), { maxLength: 20 }), (frames) => {
          const { net, s } = target(protocol);
          for (const f of frames) net.inject('s', 1, f);
          net.run(60_000);
          const dropped = Object.values(s.drops).reduce((a, b) => a + b, 0);
          const c = s.portInfo(1).counters;
          expect(dropped + c.rxConfig + c.rxRst + c.rxTcn).toBe(frames.length);
          for (const n of s.portNumbers()) expect(['root', 'designated', 'alternate', 'backup', 'disabled']).toContain(s.portRole(n));
        }),
        { numRuns: 200 },
      );
    });
  });
});

function withByte(f: Uint8Array, at: number, v: number): Uint8Array {
  const g = new Uint8Array(f);
  g[at] = v;
  return g;
}

function withU16(f: Uint8Array, at: number, v: number): Uint8Array {
  const g = new Uint8Array(f);
  setU16(g, at, v);
  return g;
}

describe('options', () => {
  const send = () => {};
  const make = (o: object) => () => new SpanningTree({ bridgeMac: 1, protocol: 'rstp', send, ...o });
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(SwitchError);
      return (e as SwitchError).code;
    }
    return 'no error';
  };

  it.each([
    ['an unknown protocol', { protocol: 'mstp' }],
    ['a MAC beyond 48 bits', { bridgeMac: 2 ** 48 }],
    ['a negative priority', { priority: -1 }],
    ['a priority beyond 16 bits', { priority: 65536 }],
    ['a zero hello time', { helloTime: 0 }],
    ['a timer finer than 1/256 s', { maxAge: 20.001 }],
    ['max age beyond what forward delay allows', { maxAge: 30 }],
    ['max age below twice hello time + 1', { helloTime: 10 }],
    ['no send function', { send: undefined }],
  ])('refuses %s with a bad-option SwitchError', (_, o) => {
    expect(code(make(o))).toBe('bad-option');
  });

  it('accepts the 802.1D defaults and the fast timers labs like', () => {
    expect(code(make({}))).toBe('no error');
    expect(code(make({ helloTime: 1, maxAge: 6, forwardDelay: 4 }))).toBe('no error');
  });

  it('refuses bad ports with typed errors that say what to do', () => {
    const s = make({})() as SpanningTree;
    s.addPort(1);
    expect(code(() => s.addPort(0))).toBe('bad-option');
    expect(code(() => s.addPort(4096))).toBe('bad-option');
    expect(code(() => s.addPort(2.5))).toBe('bad-option');
    expect(code(() => s.addPort(2, { pathCost: 0 }))).toBe('bad-option');
    expect(code(() => s.addPort(2, { priority: 8 }))).toBe('bad-option');
    expect(code(() => s.addPort(2, { priority: 256 }))).toBe('bad-option');
    expect(code(() => s.addPort(1))).toBe('port-in-use');
    expect(code(() => s.portState(9))).toBe('no-such-port');
    expect(code(() => s.setPortUp(9, false))).toBe('no-such-port');
    expect(() => s.portRole(9)).toThrow(/has no port 9 \(ports: 1\); add it with addPort first/);
    // The per-frame questions never throw: unknown ports neither learn nor forward.
    for (const n of [0, 9, 4095, 5000, -1, 1.5]) expect([s.forwards(n), s.learns(n)]).toEqual([false, false]);
    s.removePort(9);
    expect(s.portNumbers()).toEqual([1]);
  });
});

describe('lifecycle', () => {
  it('holds no timers or handles: a process running two bridges exits by itself', () => {
    const code = `
      import { SpanningTree } from '@vnet/vswitch';
      let now = 0;
      const queue = [];
      const make = (mac) => new SpanningTree({ bridgeMac: mac, protocol: 'rstp', send: (port, frame) => queue.push([mac, frame]) });
      const a = make(1), b = make(2);
      a.addPort(1); b.addPort(1);
      for (let i = 0; i < 100; i++) {
        while (queue.length) { const [from, f] = queue.shift(); (from === 1 ? b : a).receiveBpdu(1, f); }
        now = Math.min(a.pollAt(), b.pollAt()); a.poll(now); b.poll(now);
      }
      console.log(a.portRole(1), b.portRole(1), b.portState(1));
    `;
    const r = spawnSync(TSX, ['--conditions=development', '-e', code], { cwd: PACKAGE, encoding: 'utf8', timeout: 60_000 });
    expect(r.error).toBeUndefined();
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('designated root forwarding\n');
    expect(r.status).toBe(0);
  }, 90_000);
});
