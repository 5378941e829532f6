import { IpProtocol, TcpFlags, TcpSegment } from '@vnet/frame';
import { afterEach, describe, expect, it } from 'vitest';
import type { Stack, TcpSocket } from '../src/index.js';
import { ip, ipv4Frames, Lab } from './lab.js';

let lab: Lab;
afterEach(() => lab?.close());

/** Two stacks on one wire, 10.0.0.1 and 10.0.0.2. */
function pair(opts: Parameters<Lab['stack']>[0] = {}) {
  lab = new Lab();
  const a = lab.stack({ hostname: 'a', ...opts });
  const b = lab.stack({ hostname: 'b', ...opts });
  const wire = lab.link(a, 'a-eth0', '10.0.0.1/24', b, 'b-eth0', '10.0.0.2/24');
  lab.advance(1);
  return { a, b, wire };
}

/** What a socket received, and how it ended. */
function record(s: TcpSocket) {
  const r = { data: [] as number[], ended: false, closed: false, error: undefined as string | undefined, connected: false };
  s.onData = (bytes, offset, length) => {
    for (let i = 0; i < length; i++) r.data.push(bytes[offset + i]);
  };
  s.onEnd = () => {
    r.ended = true;
  };
  s.onClose = (e) => {
    r.closed = true;
    r.error = e?.code;
  };
  s.onConnect = () => {
    r.connected = true;
  };
  return r;
}

/** TCP segments a port sent, as [flags text, seq, ack, payload length]. */
function segments(frames: Uint8Array[]): string[] {
  return ipv4Frames(frames, IpProtocol.TCP).map((ip) => {
    const s = new TcpSegment(ip.bytes, ip.payloadOffset, ip.payloadLen);
    const f = s.flags;
    const names = ['SYN', 'ACK', 'FIN', 'RST', 'PSH'].filter((n) => (f & TcpFlags[n as keyof typeof TcpFlags]) !== 0);
    return `${names.join('+')}${s.payloadLen ? `:${s.payloadLen}` : ''}`;
  });
}

function listen(b: Stack, port = 80) {
  const accepted: Array<{ s: TcpSocket; r: ReturnType<typeof record> }> = [];
  const l = b.tcp.listen({ port, onConnection: (s) => accepted.push({ s, r: record(s) }) });
  return { l, accepted };
}

describe('TCP', () => {
  it('opens with a three-way handshake, carries data both ways and closes with FINs into TIME_WAIT', () => {
    const { a, b, wire } = pair();
    const { accepted } = listen(b);
    const c = a.tcp.connect({ address: '10.0.0.2', port: 80 });
    const cr = record(c);
    lab.advance(1);
    expect(cr.connected).toBe(true);
    expect(c.state).toBe('ESTABLISHED');
    expect(accepted).toHaveLength(1);
    const srv = accepted[0];
    expect(srv.s.state).toBe('ESTABLISHED');
    expect(segments(wire.a.sent).slice(0, 2)).toEqual(['SYN', 'ACK']);
    expect(segments(wire.b.sent)[0]).toBe('SYN+ACK');

    c.write(new TextEncoder().encode('GET / HTTP/1.0\r\n\r\n'));
    lab.advance(1);
    expect(new TextDecoder().decode(Uint8Array.from(srv.r.data))).toBe('GET / HTTP/1.0\r\n\r\n');
    srv.s.write(new TextEncoder().encode('hello'));
    srv.s.end();
    lab.advance(1);
    expect(new TextDecoder().decode(Uint8Array.from(cr.data))).toBe('hello');
    expect(cr.ended).toBe(true);
    expect(c.state).toBe('CLOSE_WAIT');
    expect(srv.s.state).toBe('FIN_WAIT_2');
    c.end();
    lab.advance(1);
    expect(c.state).toBe('CLOSED');
    expect(cr.closed && cr.error === undefined).toBe(true);
    expect(srv.s.state).toBe('TIME_WAIT');
    expect(srv.r.closed).toBe(true);
    // TIME_WAIT lasts 60 s, then the connection is gone.
    lab.advance(59_000);
    expect(b.tcp.connections().map((x) => x.state)).toEqual(['LISTEN', 'TIME_WAIT']);
    lab.advance(2_000);
    expect(b.tcp.connections().map((x) => x.state)).toEqual(['LISTEN']);
    expect(a.tcp.stats).toMatchObject({ ActiveOpens: 1, RetransSegs: 0, InErrs: 0 });
    expect(b.tcp.stats).toMatchObject({ PassiveOpens: 1, RetransSegs: 0 });
  });
});

describe('TCP edge cases', () => {
  it('closes passively through CLOSE_WAIT and LAST_ACK when the application ends on the peer FIN', () => {
    const { a, b } = pair();
    const states: string[] = [];
    b.tcp.listen({
      port: 80,
      onConnection: (s) => {
        s.onEnd = () => {
          states.push(s.state);
          s.end();
          states.push(s.state);
        };
      },
    });
    const c = a.tcp.connect({ address: '10.0.0.2', port: 80 });
    lab.advance(1);
    c.end();
    lab.advance(1);
    expect(states).toEqual(['CLOSE_WAIT', 'LAST_ACK']);
    expect(c.state).toBe('TIME_WAIT');
    expect(b.tcp.connections().map((x) => x.state)).toEqual(['LISTEN']);
  });

  it('hands a paused reader the data before the end, and the end before the close', () => {
    const { a, b } = pair();
    const events: string[] = [];
    let server: TcpSocket | undefined;
    b.tcp.listen({
      port: 80,
      onConnection: (s) => {
        server = s;
        s.pause();
        s.onData = (_b, _o, n) => events.push(`data ${n}`);
        s.onEnd = () => {
          events.push('end');
          s.end();
        };
        s.onClose = () => events.push('close');
      },
    });
    const c = a.tcp.connect({ address: '10.0.0.2', port: 80 });
    lab.advance(1);
    c.write(new Uint8Array(3000));
    c.end();
    lab.advance(1);
    expect(events).toEqual([]);
    server!.resume();
    lab.advance(1);
    expect(events).toEqual(['data 3000', 'end', 'close']);
  });

  it('answers a SYN to a closed port with RST: the connect is refused', () => {
    const { a, b } = pair();
    const c = a.tcp.connect({ address: '10.0.0.2', port: 81 });
    const cr = record(c);
    lab.advance(1);
    expect(cr.error).toBe('connection-refused');
    expect(c.state).toBe('CLOSED');
    expect(b.tcp.stats.OutRsts).toBe(1);
    expect(a.tcp.stats.AttemptFails).toBe(1);
    expect(a.tcp.connections()).toEqual([]);
  });

  it('opens simultaneously when both ends send a SYN to each other', () => {
    const { a, b, wire } = pair();
    const c1 = a.tcp.connect({ address: '10.0.0.2', port: 6000, localPort: 5000 });
    const c2 = b.tcp.connect({ address: '10.0.0.1', port: 5000, localPort: 6000 });
    const r1 = record(c1);
    const r2 = record(c2);
    lab.advance(1);
    expect([c1.state, c2.state]).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(r1.connected && r2.connected).toBe(true);
    expect(segments(wire.a.sent).slice(0, 2)).toEqual(['SYN', 'SYN+ACK']);
    c1.write(Uint8Array.of(1, 2, 3));
    lab.advance(1);
    expect(r2.data).toEqual([1, 2, 3]);
    // And closes simultaneously: both FINs cross, both ends pass through CLOSING into TIME_WAIT.
    c1.end();
    c2.end();
    expect([c1.state, c2.state]).toEqual(['FIN_WAIT_1', 'FIN_WAIT_1']);
    lab.advance(1);
    expect([c1.state, c2.state]).toEqual(['TIME_WAIT', 'TIME_WAIT']);
    expect(r1.closed && r2.closed).toBe(true);
  });

  it('resets: destroy() sends RST and the peer reports ECONNRESET', () => {
    const { a, b } = pair();
    const { accepted } = listen(b);
    const c = a.tcp.connect({ address: '10.0.0.2', port: 80 });
    record(c);
    lab.advance(1);
    c.destroy();
    lab.advance(1);
    expect(accepted[0].r.error).toBe('connection-reset');
    expect(accepted[0].s.state).toBe('CLOSED');
    expect(b.tcp.stats.EstabResets).toBe(1);
  });
});

/** Sends `size` bytes of a seeded pattern from a to b and checks every byte arrived in order. */
function transfer(opts: {
  size: number;
  loss?: number;
  reorder?: number;
  duplicate?: number;
  congestion?: 'newreno' | 'cubic';
  seed?: number;
}) {
  const { a, b, wire } = pair({ tcp: { congestion: opts.congestion ?? 'cubic' } });
  let seed = opts.seed ?? 7;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  let dropped = 0;
  wire.filter = (f, from) => {
    if (opts.loss && rand() < opts.loss) {
      dropped++;
      return false;
    }
    // Held back to the next round, behind frames sent after it; or delivered and sent again later.
    if (opts.reorder && rand() < opts.reorder) {
      from.inFlight.push(f);
      return false;
    }
    if (opts.duplicate && rand() < opts.duplicate) from.inFlight.push(f);
    return true;
  };
  let received = 0;
  let mismatch = -1;
  const { accepted } = listen(b);
  const c = a.tcp.connect({ address: '10.0.0.2', port: 80 });
  lab.advance(1);
  const srv = accepted[0].s;
  srv.onData = (bytes, offset, length) => {
    for (let i = 0; i < length; i++) {
      if (mismatch < 0 && bytes[offset + i] !== ((received + i) * 7 + ((received + i) >>> 8)) % 251) mismatch = received + i;
    }
    received += length;
  };
  const chunk = new Uint8Array(64 * 1024);
  let written = 0;
  const fill = () => {
    while (written < opts.size) {
      const n = Math.min(chunk.length, opts.size - written);
      for (let i = 0; i < n; i++) chunk[i] = ((written + i) * 7 + ((written + i) >>> 8)) % 251;
      const took = c.write(chunk, 0, n);
      written += took;
      if (took < n) return;
    }
    c.end();
  };
  c.onDrain = fill;
  fill();
  for (let t = 0; t < 600_000 && received < opts.size; t += 10) lab.advance(10);
  return { received, mismatch, dropped, info: c.info(), stats: a.tcp.stats };
}

describe('TCP bulk transfer', () => {
  it.each(['newreno', 'cubic'] as const)('moves 5 MB byte-exact over a link losing one frame in a hundred (%s)', (congestion) => {
    const r = transfer({ size: 5_000_000, loss: 0.01, congestion });
    if (r.received !== 5_000_000) console.log(r);
    expect(r.mismatch).toBe(-1);
    expect(r.received).toBe(5_000_000);
    expect(r.dropped).toBeGreaterThan(0);
    expect(r.info.retransmits).toBeGreaterThan(0);
  });

  it.each(['newreno', 'cubic'] as const)('moves 5 MB byte-exact over a link that reorders and duplicates (%s)', (congestion) => {
    const r = transfer({ size: 5_000_000, reorder: 0.02, duplicate: 0.02, congestion, seed: 3 });
    expect(r.mismatch).toBe(-1);
    expect(r.received).toBe(5_000_000);
  });
});

describe('TCP under bad conditions', () => {
  it('bounds a SYN flood by the backlog and counts the SYNs it drops; real clients still get in later', () => {
    const { a, b, wire } = pair();
    const { accepted } = (() => {
      const acc: TcpSocket[] = [];
      b.tcp.listen({ port: 80, backlog: 8, onConnection: (s) => acc.push(s) });
      return { accepted: acc };
    })();
    a.ping('10.0.0.2', { id: 1, seq: 1 });
    lab.advance(1);
    // A flood of SYNs from spoofed ports whose SYN-ACKs are never answered.
    wire.filter = (_f, from) => from === wire.a;
    for (let i = 0; i < 100; i++) a.tcp.connect({ address: '10.0.0.2', port: 80, localPort: 1000 + i });
    lab.pump();
    expect(b.tcp.stats.ListenOverflows).toBe(92);
    expect(b.tcp.connections().filter((c) => c.state === 'SYN_RECEIVED')).toHaveLength(8);
    // The half-open connections give up after their SYN-ACK retries (about 2 minutes with backoff).
    lab.advance(200_000);
    expect(b.tcp.connections().map((c) => c.state)).toEqual(['LISTEN']);
    wire.filter = undefined;
    const c = a.tcp.connect({ address: '10.0.0.2', port: 80 });
    lab.advance(1);
    expect(c.state).toBe('ESTABLISHED');
    expect(accepted).toHaveLength(1);
  });

  it('times out against a peer that never acknowledges, and leaves nothing behind', () => {
    const { a, wire } = pair();
    const { accepted } = listen(lab.stacks[1]);
    const c = a.tcp.connect({ address: '10.0.0.2', port: 80 });
    const r = record(c);
    lab.advance(1);
    expect(accepted).toHaveLength(1);
    // From now on the peer is silent.
    wire.filter = (_f, from) => from === wire.a;
    c.write(new Uint8Array(10_000));
    lab.advance(20 * 60_000);
    expect(r.error).toBe('timed-out');
    expect(a.tcp.connections()).toEqual([]);
    expect(a.tcp.stats.RetransSegs).toBeGreaterThanOrEqual(15);
  });

  it('probes a zero window until the reader resumes, then delivers everything', () => {
    const { a, b } = pair({ tcp: { receiveBuffer: 16 * 1024 } });
    const { accepted } = listen(b);
    const c = a.tcp.connect({ address: '10.0.0.2', port: 80 });
    lab.advance(1);
    const srv = accepted[0];
    srv.s.pause();
    const data = new Uint8Array(100_000).map((_, i) => i % 253);
    let written = c.write(data);
    c.onDrain = () => {
      written += c.write(data, written);
    };
    lab.advance(5_000);
    // The receiver's buffer is full; the sender probes with growing intervals and sends no data.
    expect(srv.s.info().receiveQueue).toBe(16 * 1024);
    expect(c.info().sendWindow).toBe(0);
    const probes = c.info().segmentsOut;
    lab.advance(5_000);
    expect(c.info().segmentsOut).toBeGreaterThan(probes);
    srv.s.resume();
    for (let i = 0; i < 100 && srv.r.data.length < 100_000; i++) lab.advance(100);
    expect(srv.r.data).toEqual([...data]);
  });

  it('keeps an idle connection alive with keepalive probes, and drops it when the peer is gone', () => {
    const { a, wire } = pair();
    listen(lab.stacks[1]);
    const c = a.tcp.connect({ address: '10.0.0.2', port: 80, keepAlive: 10_000 });
    const r = record(c);
    lab.advance(1);
    lab.advance(60_000);
    expect(c.state).toBe('ESTABLISHED');
    wire.filter = () => false;
    // 10 s idle, then 9 probes 75 s apart.
    lab.advance(10 * 75_000);
    expect(r.error).toBe('timed-out');
  });

  it('answers a retransmitted FIN in TIME_WAIT, and restarts the wait', () => {
    const { a, b, wire } = pair();
    const { accepted } = listen(b);
    const c = a.tcp.connect({ address: '10.0.0.2', port: 80 });
    lab.advance(1);
    c.end();
    lab.advance(1);
    // The server's FIN arrives, but the ACK of it is lost: the server sends its FIN again.
    wire.filter = (_f, from) => from === wire.b;
    accepted[0].s.end();
    lab.advance(1);
    expect(c.state).toBe('TIME_WAIT');
    wire.filter = undefined;
    lab.advance(1_000);
    expect(accepted[0].s.state).toBe('CLOSED');
    expect(b.tcp.stats.RetransSegs).toBeGreaterThanOrEqual(1);
  });

  it('never throws on garbage segments: short headers, impossible options and flags', () => {
    const { a, b } = pair();
    listen(b);
    let seed = 99;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 24;
    };
    for (let i = 0; i < 2000; i++) {
      const len = 20 + (rand() % 60);
      const seg = Uint8Array.from({ length: len }, () => rand());
      seg[2] = 0;
      seg[3] = 80;
      expect(() => a.sendIp({ dst: ip('10.0.0.2'), protocol: 6 }, seg)).not.toThrow();
      lab.pump();
    }
    // Most fail the checksum; the stack counts them and goes on.
    expect(b.tcp.stats.InErrs).toBeGreaterThan(1900);
    const c = a.tcp.connect({ address: '10.0.0.2', port: 80 });
    lab.advance(1);
    expect(c.state).toBe('ESTABLISHED');
  });
});

describe('checksum offload', () => {
  it('skips TCP checksums between interfaces that both offload them, and verifies them otherwise', () => {
    lab = new Lab();
    const a = lab.stack({ hostname: 'a' });
    const b = lab.stack({ hostname: 'b' });
    const wire = lab.link(a, 'a-eth0', '10.0.0.1/24', b, 'b-eth0', '10.0.0.2/24');
    a.setChecksumOffload('a-eth0', true);
    b.setChecksumOffload('b-eth0', true);
    const { accepted } = listen(b);
    const c = a.tcp.connect({ address: '10.0.0.2', port: 80 });
    lab.advance(1);
    expect(c.state).toBe('ESTABLISHED');
    const checksums = ipv4Frames(wire.a.sent, IpProtocol.TCP).map(
      (ip) => new TcpSegment(ip.bytes, ip.payloadOffset, ip.payloadLen).checksum,
    );
    expect(checksums.every((x) => x === 0)).toBe(true);
    // A receiver that does not offload finds those checksums wrong and drops the segments.
    b.setChecksumOffload('b-eth0', false);
    c.write(Uint8Array.of(1, 2, 3));
    lab.advance(1);
    expect(accepted[0].r.data).toEqual([]);
    expect(b.tcp.stats.InCsumErrors).toBeGreaterThan(0);
  });
});
