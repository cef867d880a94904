/** One row of the benchmark's table. `pass` undefined: reported for information, no target. */
export interface Figure {
  name: string;
  measured: string;
  target: string;
  pass: boolean | undefined;
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}
