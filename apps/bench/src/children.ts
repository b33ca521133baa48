import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

/** A child process the bench started, with the last lines it wrote to stderr for error reports. */
export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly pid: number;
  /** Peak resident set size so far (VmHWM), in bytes; 0 once the process is gone. */
  peakRss(): number;
  /** CPU time used so far, ms. */
  cpuMs(): number;
  /** Everything the child wrote to stdout (for children that answer with JSON); '' when it went to a file. */
  stdout(): string;
  stderrTail(): string;
  /** Resolves with the exit code once the child has exited. */
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

const running = new Set<Child>();

/** Reads VmHWM (peak RSS) from /proc; Linux only, 0 elsewhere. */
export function peakRssOf(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU time (user + system) the process has used so far, in ms; from /proc, Linux only. */
export function cpuTimeMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

// USER_HZ; 100 on every Linux this runs on (`getconf CLK_TCK`).
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * Starts `node <script> ...args`; every child is tracked so `stopAll` can end it on any exit path.
 * With `stdoutFile` its stdout goes straight to that file, as a deployment's log file would take
 * it, instead of through a pipe the bench reads on the same cores it measures.
 */
export function startNode(
  name: string,
  script: string,
  args: string[],
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
  stdoutFile?: string,
): Child {
  const stdoutFd = stdoutFile === undefined ? undefined : openSync(stdoutFile, 'w');
  let proc: ChildProcess;
  try {
    proc = spawn(process.execPath, [...nodeArgs, script, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'],
    });
  } finally {
    // The child has its own copy of the descriptor.
    if (stdoutFd !== undefined) closeSync(stdoutFd);
  }
  if (proc.pid === undefined) throw new Error(`${name} did not start`);
  const pid = proc.pid;
  let out = '';
  let err = '';
  proc.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  proc.stderr?.on('data', (chunk: Buffer) => {
    err = (err + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const child: Child = {
    name,
    process: proc,
    pid,
    peakRss: () => peakRssOf(pid),
    cpuMs: () => cpuTimeMs(pid),
    stdout: () => out,
    stderrTail: () => err,
    exited,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      running.delete(child);
    },
  };
  running.add(child);
  void exited.then(() => running.delete(child));
  return child;
}

/** Stops every child still running (used on errors and signals). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop()));
}

/** Polls `check` until it resolves true; fails with the child's stderr if it died or timed out. */
export async function waitFor(child: Child, what: string, check: () => Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) {
      throw new Error(
        `${child.name} exited (${child.process.exitCode}) before ${what}:\n${child.stderrTail()}`,
      );
    }
    if (await check().catch(() => false)) return;
    await sleep(50);
  }
  throw new Error(`${child.name}: no ${what} after ${timeoutMs} ms:\n${child.stderrTail()}`);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
