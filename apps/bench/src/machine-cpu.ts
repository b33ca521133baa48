import { readFileSync } from 'node:fs';

/** The whole machine's CPU time so far, in clock ticks summed over all cores (/proc/stat). */
export interface MachineCpu {
  total: number;
  idle: number;
  /** Time the hypervisor ran something else while this machine's cores wanted to run. */
  steal: number;
}

/** The totals of /proc/stat's first line, `cpu  user nice system idle iowait irq softirq steal …`. */
export function parseProcStat(text: string): MachineCpu {
  const line = text.split('\n', 1)[0] ?? '';
  if (!line.startsWith('cpu ')) throw new Error(`not /proc/stat: ${line.slice(0, 40)}`);
  // guest and guest_nice are already inside user and nice.
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line
    .slice(4)
    .trim()
    .split(/\s+/)
    .map(Number);
  const waiting = idle + iowait;
  return { total: user + nice + system + irq + softirq + waiting + steal, idle: waiting, steal };
}

/** This machine's reading; zeros where there is no /proc (not Linux). */
export function machineCpu(): MachineCpu {
  try {
    return parseProcStat(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return { total: 0, idle: 0, steal: 0 };
  }
}

/** Shares of the machine between two readings: idle and stolen, each 0–1 (NaN without /proc). */
export function machineShares(before: MachineCpu, after: MachineCpu): { idle: number; steal: number } {
  const total = after.total - before.total;
  if (total <= 0) return { idle: Number.NaN, steal: Number.NaN };
  return { idle: (after.idle - before.idle) / total, steal: (after.steal - before.steal) / total };
}
