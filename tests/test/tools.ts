import { execFileSync } from 'node:child_process';
import { it } from 'vitest';

/**
 * Real tools as oracles. A test that needs one calls `haveTool`: when the tool is missing it
 * registers a skipped test saying what to install — or, with VNET_REQUIRE_TOOLS=1 (CI), a
 * failing one, so a missing oracle can never turn into a silent green run.
 */
export function haveTool(name: string, found: boolean, install: string): boolean {
  if (found) return true;
  const message = `${name} is not available: ${install}`;
  if (process.env.VNET_REQUIRE_TOOLS === '1') {
    it(`needs ${name}`, () => {
      throw new Error(`${message} (VNET_REQUIRE_TOOLS=1 makes this a failure)`);
    });
  } else {
    it.skip(`needs ${name} — ${message}`, () => {});
  }
  return false;
}

function runs(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

export const TSHARK = 'tshark';
export const hasTshark = runs(TSHARK, ['--version']);

/** The first Python 3 that imports scapy (Debian's python3-scapy lives beside /usr/bin/python3). */
export const PYTHON_WITH_SCAPY = ['python3', '/usr/bin/python3'].find((py) => runs(py, ['-c', 'import scapy.all']));
