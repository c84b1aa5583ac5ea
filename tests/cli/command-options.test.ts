import { describe, expect, it } from 'vitest';
import { type CommandOutput, type CommandSpec, type OptionSpec, parseCommand, usageText } from '../../src/main/cli/options';
import { serveCommand } from '../../src/main/cli/serve';
import { EVAL_COMMAND } from '../../src/main/cli/eval';
import { EVAL_TEXT_COMMAND } from '../../src/main/cli/eval-text';
import { TRAIN_COMMAND } from '../../src/main/cli/train';
import { TRAIN_TEXT_COMMAND } from '../../src/main/cli/train-text';
import { ZOO_COMMAND } from '../../src/main/cli/zoo';

const SPEC = {
  command: 'npm run demo --',
  summary: 'A command for the test.',
  options: {
    zoo: { type: 'string', required: true, value: 'DIR', help: 'the zoo' },
    out: { type: 'string', default: 'runs/x', value: 'DIR', help: 'the run' },
    loss: { type: 'string', default: 'con', choices: ['rec', 'con'], help: 'the loss' },
    steps: { type: 'number', default: 300, integer: true, min: 1, help: 'steps' },
    weight: { type: 'number', min: 0, help: 'a weight' },
    json: { type: 'boolean', help: 'JSON' },
  },
} as const;

function recording(): CommandOutput & { out: (t: string) => void; text: { out: string; err: string } } {
  const text = { out: '', err: '' };
  return { text, out: (t) => (text.out += t), err: (t) => (text.err += t) };
}

describe('the shared command-line option parser', () => {
  it('gives typed values with defaults, numbers checked and flags false when absent', () => {
    const parsed = parseCommand(SPEC, ['--zoo', 'data/zoo', '--steps', '12', '--weight', '0']);
    expect(parsed.values).toEqual({ zoo: 'data/zoo', out: 'runs/x', loss: 'con', steps: 12, weight: 0, json: false });
    expect(parseCommand(SPEC, ['--zoo', 'z', '--json', '--loss', 'rec']).values).toMatchObject({ json: true, loss: 'rec', weight: undefined });
  });

  it('answers --help with the usage (exit 0) and a usage error with the reason and the usage (exit 2)', () => {
    const help = recording();
    expect(parseCommand(SPEC, ['--help'], help)).toEqual({ exit: 0 });
    expect(help.text.out).toBe(usageText(SPEC));
    expect(help.text.out).toContain('usage: npm run demo -- --zoo DIR [options]');
    expect(help.text.out).toContain('--steps N');
    expect(help.text.out).toContain('(default: 300)');
    for (const [argv, reason] of [
      [[], '--zoo is required'],
      [['--zoo', 'z', '--steps', '0'], '--steps must be an integer >= 1, got "0"'],
      [['--zoo', 'z', '--steps', 'many'], '--steps must be an integer >= 1, got "many"'],
      [['--zoo', 'z', '--loss', 'both'], '--loss must be one of rec, con, got "both"'],
      [['--zoo', 'z', '--bogus'], "Unknown option '--bogus'"],
      [['--zoo', 'z', 'stray'], "Unexpected argument 'stray'"],
    ] as const) {
      const output = recording();
      expect(parseCommand(SPEC, argv, output), reason).toEqual({ exit: 2 });
      expect(output.text.err).toContain(reason);
      expect(output.text.err).toContain(usageText(SPEC));
      expect(output.text.out).toBe('');
    }
  });

  it('declares the options of every npm run command, with the recipe defaults of the shipped runs', () => {
    const specs: CommandSpec<Readonly<Record<string, OptionSpec>>>[] = [ZOO_COMMAND, TRAIN_COMMAND, TRAIN_TEXT_COMMAND, EVAL_COMMAND, EVAL_TEXT_COMMAND, serveCommand()];
    for (const spec of specs) {
      const text = usageText(spec);
      for (const name of Object.keys(spec.options)) expect(text, `${spec.command} --${name}`).toContain(`--${name}`);
    }
    expect(parseCommand(serveCommand(), ['--port', '65536'], recording())).toEqual({ exit: 2 });
    expect(parseCommand(TRAIN_TEXT_COMMAND, []).values).toMatchObject({ zoo: 'data/zoo', encoder: 'resources/models/encoder.onnx', out: 'resources/models/text.onnx', steps: 3000, lr: 3e-3, batch: 64, seed: 0 });
    expect(parseCommand(TRAIN_COMMAND, ['--zoo', 'data/zoo']).values).toMatchObject({ out: 'runs/gmn-v2', epochs: 20, loss: 'con', probes: 256, readout: 'edges+outputs', 'feature-encoders': 'shared', batch: 8, schedule: 'cosine', warmup: 50 });
    expect(parseCommand(ZOO_COMMAND, ['--out', 'data/zoo']).values).toMatchObject({ 'per-category': 30, val: 2, test: 6, seed: 0, workers: 2, steps: undefined });
  });
});
