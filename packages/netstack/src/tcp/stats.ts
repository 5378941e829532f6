/** TCP counters, named as Linux's /proc/net/snmp `Tcp:` line and a few of `TcpExt:`. */
export interface TcpStats {
  ActiveOpens: number;
  PassiveOpens: number;
  AttemptFails: number;
  EstabResets: number;
  CurrEstab: number;
  InSegs: number;
  OutSegs: number;
  RetransSegs: number;
  InErrs: number;
  OutRsts: number;
  InCsumErrors: number;
  /** SYNs dropped because a listener's backlog was full. */
  ListenOverflows: number;
  ListenDrops: number;
  DelayedACKs: number;
  FastRetrans: number;
  Timeouts: number;
  PAWSDrops: number;
}

export function newTcpStats(): TcpStats {
  return {
    ActiveOpens: 0,
    PassiveOpens: 0,
    AttemptFails: 0,
    EstabResets: 0,
    CurrEstab: 0,
    InSegs: 0,
    OutSegs: 0,
    RetransSegs: 0,
    InErrs: 0,
    OutRsts: 0,
    InCsumErrors: 0,
    ListenOverflows: 0,
    ListenDrops: 0,
    DelayedACKs: 0,
    FastRetrans: 0,
    Timeouts: 0,
    PAWSDrops: 0,
  };
}
