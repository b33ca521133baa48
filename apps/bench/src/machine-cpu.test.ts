import { describe, expect, it } from 'vitest';
import { machineCpu, machineShares, parseProcStat } from './machine-cpu.js';

// Two readings of a 2-core guest, 1 s apart at 100 ticks/s: 200 ticks in all, of which 30 idle,
// 10 iowait, 8 steal; guest time (the 9th field) is inside user and must not count twice.
const before = 'cpu  1000 20 300 5000 100 0 40 50 7 0\ncpu0 500 10 150 2500 50 0 20 25 3 0\n';
const after = 'cpu  1090 20 350 5030 110 2 50 58 99 0\ncpu0 545 10 175 2515 55 1 25 29 50 0\n';

describe('machine CPU from /proc/stat', () => {
  it('reads the all-cores line, idle with iowait, steal apart, guest not twice', () => {
    expect(parseProcStat(before)).toEqual({ total: 6510, idle: 5100, steal: 50 });
  });

  it('gives the idle and stolen shares between two readings', () => {
    const shares = machineShares(parseProcStat(before), parseProcStat(after));
    expect(shares.idle).toBeCloseTo(40 / 200, 10);
    expect(shares.steal).toBeCloseTo(8 / 200, 10);
  });

  it('refuses text that is not /proc/stat, and has no shares without a reading', () => {
    expect(() => parseProcStat('intr 1 2 3')).toThrow(/not \/proc\/stat/);
    const none = { total: 0, idle: 0, steal: 0 };
    expect(machineShares(none, none).idle).toBeNaN();
  });

  it.runIf(process.platform === 'linux')('reads this machine: shares between 0 and 1', async () => {
    const first = machineCpu();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const { idle, steal } = machineShares(first, machineCpu());
    for (const share of [idle, steal]) {
      if (Number.isNaN(share)) continue; // no tick passed in 50 ms
      expect(share).toBeGreaterThanOrEqual(0);
      expect(share).toBeLessThanOrEqual(1);
    }
  });
});
