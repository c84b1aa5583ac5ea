import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Runs a command-line `main(argv)` and exits with its code; an error is printed, exit code 1.
 * With `moduleUrl` (the caller's `import.meta.url`), only when that module is the script node
 * was started with, so that importing a command (its option declarations, in tests) runs nothing.
 */
export function runCli(main: (argv: string[]) => Promise<number>, moduleUrl?: string): void {
  const entry = process.argv[1];
  if (moduleUrl !== undefined && !(entry && moduleUrl === pathToFileURL(path.resolve(entry)).href)) return;
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}

export interface NumberRule {
  /** Whole numbers only. @default false */
  readonly integer?: boolean;
  /** Smallest accepted value; absent: any value > 0. */
  readonly min?: number;
  /** Largest accepted value; absent: no upper bound. */
  readonly max?: number;
}

/**
 * A numeric command-line option: `fallback` when absent, else the number, or a `RangeError`
 * naming `--name`, the rule and the value given.
 */
export function numberOption(value: string | undefined, name: string, fallback: number, rule: NumberRule = {}): number {
  if (value === undefined) return fallback;
  const n = value.trim() === '' ? NaN : Number(value);
  const { integer = false, min, max } = rule;
  const ok = Number.isFinite(n) && (!integer || Number.isInteger(n)) && (min === undefined ? n > 0 : n >= min) && (max === undefined || n <= max);
  if (!ok) {
    const kind = integer ? 'an integer' : 'a number';
    const range = `${min === undefined ? `${kind} > 0` : `${kind} >= ${min}`}${max === undefined ? '' : ` and <= ${max}`}`;
    throw new RangeError(`--${name} must be ${range}, got "${value}"`);
  }
  return n;
}
