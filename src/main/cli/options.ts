/**
 * The option parser every `npm run` command shares: a command declares its options once (type,
 * default, rule, help line) and gets typed values, checked numbers (`numberOption`'s messages),
 * a usage text made from the same declarations, `--help`, and exit code 2 with the reason and
 * the usage on a usage error (an unknown option, a missing required one, a bad value).
 */
import { parseArgs } from 'node:util';
import { type NumberRule, numberOption } from './run';

interface BaseOption {
  /** One line for the usage text. */
  readonly help: string;
  /** What the value is called in the usage text ("DIR", "a,b"). @default N for a number, the option's name in capitals for a string */
  readonly value?: string;
}

export interface StringOption extends BaseOption {
  readonly type: 'string';
  readonly default?: string;
  /** The values accepted; anything else is a usage error naming them. */
  readonly choices?: readonly string[];
  /** Missing is a usage error. @default false */
  readonly required?: boolean;
}

export interface NumberOption extends BaseOption, NumberRule {
  readonly type: 'number';
  readonly default?: number;
}

export interface FlagOption extends BaseOption {
  readonly type: 'boolean';
}

export type OptionSpec = StringOption | NumberOption | FlagOption;

export interface CommandSpec<O extends Readonly<Record<string, OptionSpec>>> {
  /** How the command is typed, e.g. `npm run zoo --`. */
  readonly command: string;
  /** What it does, in a sentence, for `--help`. */
  readonly summary: string;
  readonly options: O;
}

type ValueOf<S extends OptionSpec> = S extends FlagOption
  ? boolean
  : S extends NumberOption
    ? S extends { readonly default: number }
      ? number
      : number | undefined
    : S extends { readonly choices: readonly (infer C)[] }
      ? S extends { readonly default: string } | { readonly required: true }
        ? C
        : C | undefined
      : S extends { readonly default: string } | { readonly required: true }
        ? string
        : string | undefined;

/** The parsed values, one per declared option. */
export type OptionValues<O extends Readonly<Record<string, OptionSpec>>> = { -readonly [K in keyof O]: ValueOf<O[K]> };

/** Parsed values, or the exit code to return at once (0 after `--help`, 2 after a usage error). */
export type ParsedCommand<O extends Readonly<Record<string, OptionSpec>>> = { readonly values: OptionValues<O>; readonly exit?: undefined } | { readonly values?: undefined; readonly exit: 0 | 2 };

/** Where `parseCommand` writes the usage text and usage errors. @default the console */
export interface CommandOutput {
  out(text: string): void;
  err(text: string): void;
}

const consoleOutput: CommandOutput = { out: (t) => console.log(t), err: (t) => console.error(t) };

/** The usage text of a command: its form (the required options), what it does, then one line per option. */
export function usageText<O extends Readonly<Record<string, OptionSpec>>>(spec: CommandSpec<O>): string {
  const entries = Object.entries(spec.options);
  const required = entries.filter(([, o]) => o.type === 'string' && o.required).map(([name, o]) => `--${name} ${valueName(name, o as StringOption)}`);
  const form = [...required, ...(required.length < entries.length ? ['[options]'] : [])];
  const lines = entries.map(([name, o]) => {
    const left = o.type === 'boolean' ? `--${name}` : `--${name} ${valueName(name, o)}`;
    const fallback = o.type !== 'boolean' && o.default !== undefined ? ` (default: ${o.default})` : o.type === 'string' && o.required ? ' (required)' : '';
    // A long option name puts its help on the next line, under the others'.
    return left.length < 28 ? `  ${left.padEnd(28)} ${o.help}${fallback}` : `  ${left}\n  ${' '.repeat(28)} ${o.help}${fallback}`;
  });
  return [`usage: ${spec.command} ${form.join(' ')}`, '', spec.summary, '', 'options:', ...lines, `  ${'--help'.padEnd(28)} this text`].join('\n');
}

function valueName(name: string, o: StringOption | NumberOption): string {
  if (o.value) return o.value;
  if (o.type === 'string' && o.choices) return o.choices.join('|');
  return o.type === 'number' ? 'N' : name.toUpperCase().replace(/-/g, '_');
}

/** Prints a usage error (the reason, then the usage text) and gives its exit code, 2. */
export function usageError<O extends Readonly<Record<string, OptionSpec>>>(spec: CommandSpec<O>, reason: string, output: CommandOutput = consoleOutput): 2 {
  output.err(`${reason}\n\n${usageText(spec)}`);
  return 2;
}

/**
 * Parses `argv` against the declared options. Prints the usage for `--help` (exit 0) and, with
 * the reason, for a usage error (exit 2); a bad number is a usage error too, with
 * `numberOption`'s message ("--steps must be an integer >= 1, got "x"").
 */
export function parseCommand<O extends Readonly<Record<string, OptionSpec>>>(spec: CommandSpec<O>, argv: readonly string[], output: CommandOutput = consoleOutput): ParsedCommand<O> {
  const fail = (reason: string): ParsedCommand<O> => ({ exit: usageError(spec, reason, output) });
  let raw: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries([...Object.entries(spec.options).map(([name, o]) => [name, { type: o.type === 'boolean' ? 'boolean' : 'string' }] as const), ['help', { type: 'boolean', short: 'h' }] as const]);
    raw = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (error) {
    return fail((error as Error).message);
  }
  if (raw['help'] === true) {
    output.out(usageText(spec));
    return { exit: 0 };
  }
  const values: Record<string, unknown> = {};
  for (const [name, o] of Object.entries(spec.options)) {
    const given = raw[name];
    if (o.type === 'boolean') {
      values[name] = given === true;
    } else if (o.type === 'number') {
      try {
        values[name] = given === undefined && o.default === undefined ? undefined : numberOption(given as string | undefined, name, o.default ?? 0, o);
      } catch (error) {
        return fail((error as Error).message);
      }
    } else {
      const value = (given as string | undefined) ?? o.default;
      if (value === undefined && o.required) return fail(`--${name} is required`);
      if (value !== undefined && o.choices && !o.choices.includes(value)) return fail(`--${name} must be one of ${o.choices.join(', ')}, got "${value}"`);
      values[name] = value;
    }
  }
  return { values: values as OptionValues<O> };
}
