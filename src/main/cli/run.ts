/** Runs a command-line `main(argv)` and exits with its code; an error is printed, exit code 1. */
export function runCli(main: (argv: string[]) => Promise<number>): void {
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
}

/**
 * A numeric command-line option: `fallback` when absent, else the number, or a `RangeError`
 * naming `--name`, the rule and the value given.
 */
export function numberOption(value: string | undefined, name: string, fallback: number, rule: NumberRule = {}): number {
  if (value === undefined) return fallback;
  const n = value.trim() === '' ? NaN : Number(value);
  const { integer = false, min } = rule;
  const ok = Number.isFinite(n) && (!integer || Number.isInteger(n)) && (min === undefined ? n > 0 : n >= min);
  if (!ok) {
    const kind = integer ? 'an integer' : 'a number';
    throw new RangeError(`--${name} must be ${min === undefined ? `${kind} > 0` : `${kind} >= ${min}`}, got "${value}"`);
  }
  return n;
}
