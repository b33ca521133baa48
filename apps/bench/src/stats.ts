/** Median and range of a few runs. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  const mid = Math.floor(n / 2);
  const median =
    n % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[n - 1] as number };
}

const fmt = (value: number, digits: number) =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '–';

/** `12,345 (12,001–12,600)`: the median, then the range of the runs. */
export function showSpread(s: Spread, digits = 0): string {
  return `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
}

export function showNumber(value: number, digits = 0): string {
  return fmt(value, digits);
}

export const MB = 1024 * 1024;

/**
 * `ratio(run, base)` for every run against the baseline run of its round: rounds run the cases
 * back to back, so run i pairs with base i (or the first, when the baseline ran fewer times).
 */
export function pairedRatios<R>(
  runs: readonly R[],
  bases: readonly R[],
  ratio: (run: R, base: R) => number,
): number[] {
  return runs.map((run, i) => ratio(run, bases[i] ?? bases[0] ?? run));
}

/** Renders rows as a Markdown table, so the output pastes straight into BENCHMARKS.md. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
