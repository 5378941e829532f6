import { formatRows, report, runBenches } from '@vnet/bench';
import { networkBenchmarks } from '@vnet/topology';
import type { CliIo } from '../main.js';

/**
 * `vnet bench [filter…] [--json]`: the emulator's benchmarks on this machine (start-up,
 * pingall, round trip, datapath rate, pool scaling), as a table or a JSON report.
 */
export async function benchCommand(filter: string[], json: boolean, io: CliIo): Promise<number> {
  const rows = await runBenches(networkBenchmarks, 'vnet bench', filter);
  io.out(json ? report(rows) : formatRows(rows));
  return 0;
}
