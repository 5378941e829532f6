/**
 * Congestion control: NewReno (RFC 5681, RFC 6582 for recovery, appropriate byte counting of
 * RFC 3465) and CUBIC (RFC 9438), behind one small interface the connection drives. Windows
 * are in bytes; `mss` is the connection's sending MSS.
 */

export type CongestionAlgorithm = 'newreno' | 'cubic';

export interface CongestionControl {
  readonly name: CongestionAlgorithm;
  cwnd: number;
  ssthresh: number;
  /** New data was acknowledged outside loss recovery: `acked` bytes, with the latest RTT (ms). */
  onAck(acked: number, now: number, srtt: number): void;
  /** Loss detected by duplicate ACKs (fast retransmit): the window shrinks once per loss event. */
  onLoss(flight: number, now: number): void;
  /** The retransmission timer fired: back to one segment (RFC 5681's loss window). */
  onTimeout(flight: number, now: number): void;
}

/** RFC 6928's initial window: 10 segments. */
const INITIAL_SEGMENTS = 10;

export function createCongestionControl(name: CongestionAlgorithm, mss: number): CongestionControl {
  return name === 'cubic' ? new Cubic(mss) : new NewReno(mss);
}

class NewReno implements CongestionControl {
  readonly name = 'newreno';
  cwnd: number;
  ssthresh = Number.POSITIVE_INFINITY;
  /** Bytes acknowledged in congestion avoidance towards the next one-MSS increase. */
  private acc = 0;

  constructor(private readonly mss: number) {
    this.cwnd = INITIAL_SEGMENTS * mss;
  }

  onAck(acked: number): void {
    if (this.cwnd < this.ssthresh) {
      // Slow start with appropriate byte counting, L = 2 MSS.
      this.cwnd += Math.min(acked, 2 * this.mss);
      return;
    }
    this.acc += acked;
    if (this.acc >= this.cwnd) {
      this.acc -= this.cwnd;
      this.cwnd += this.mss;
    }
  }

  onLoss(flight: number): void {
    this.ssthresh = Math.max(Math.floor(flight / 2), 2 * this.mss);
    this.cwnd = this.ssthresh;
    this.acc = 0;
  }

  onTimeout(flight: number): void {
    this.ssthresh = Math.max(Math.floor(flight / 2), 2 * this.mss);
    this.cwnd = this.mss;
    this.acc = 0;
  }
}

/** RFC 9438's constants: the cubic's aggressiveness and the multiplicative decrease. */
const C = 0.4;
const BETA = 0.7;

class Cubic implements CongestionControl {
  readonly name = 'cubic';
  cwnd: number;
  ssthresh = Number.POSITIVE_INFINITY;
  /** The window (in segments) before the last reduction. */
  private wMax = 0;
  /** Start of the current congestion-avoidance epoch (ms), -1 when none. */
  private epoch = -1;
  private k = 0;
  /** The Reno-friendly estimate (segments) and the bytes acknowledged towards it. */
  private wEst = 0;
  private acc = 0;

  constructor(private readonly mss: number) {
    this.cwnd = INITIAL_SEGMENTS * mss;
  }

  onAck(acked: number, now: number, srtt: number): void {
    const mss = this.mss;
    if (this.cwnd < this.ssthresh) {
      this.cwnd += Math.min(acked, 2 * mss);
      return;
    }
    const w = this.cwnd / mss;
    if (this.epoch < 0) {
      this.epoch = now;
      this.acc = 0;
      this.wEst = w;
      if (this.wMax <= w) {
        this.wMax = w;
        this.k = 0;
      } else this.k = Math.cbrt((this.wMax - w) / C);
    }
    const t = (now - this.epoch + srtt) / 1000;
    const target = C * (t - this.k) ** 3 + this.wMax;
    // The Reno-friendly region (RFC 9438 §4.3): an AIMD window growing by α per RTT.
    this.acc += acked;
    const alpha = (3 * (1 - BETA)) / (1 + BETA);
    this.wEst += (alpha * acked) / (w * mss);
    let next: number;
    if (this.wEst > target) next = this.wEst;
    else if (target > w) next = w + ((Math.min(target, 1.5 * w) - w) / w) * (acked / mss);
    else next = w + (0.01 * (acked / mss)) / w;
    this.cwnd = Math.max(this.cwnd, Math.round(next * mss));
  }

  onLoss(flight: number): void {
    const w = this.cwnd / this.mss;
    // Fast convergence: a flow whose window stopped growing gives way to newer ones.
    this.wMax = w < this.wMax ? (w * (1 + BETA)) / 2 : w;
    this.ssthresh = Math.max(Math.floor(Math.max(flight, this.cwnd) * BETA), 2 * this.mss);
    this.cwnd = this.ssthresh;
    this.epoch = -1;
  }

  onTimeout(flight: number): void {
    this.onLoss(flight);
    this.cwnd = this.mss;
  }
}
