/** Timing helpers shared by the benchmarks: one warm-up call, then `runs` timed calls. */

export interface Timing {
  readonly median: number;
  readonly min: number;
}

/** Milliseconds of `body` over `runs` calls after one warm-up: median and minimum. */
export async function timeMs(runs: number, body: () => unknown): Promise<Timing> {
  await body();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await body();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, min: times[0]! };
}

/** The value after `--name` in `args`, as a number, or `fallback`. */
export function numberOption(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}
