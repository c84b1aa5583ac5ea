import { describe, expect, it } from 'vitest';
import { PROVIDER_NAMES } from '../../src/shared/compute';
import { chooseProvider, parseProviderRequest, sessionOptionsFor } from '../../src/main/compute/providers';

describe('chooseProvider', () => {
  it.runIf(process.platform === 'linux')('auto tries cuda then webgpu on linux, records why each failed, and falls back to CPU', async () => {
    const choice = await chooseProvider('auto');
    const tried = choice.attempts.map((a) => a.name);
    expect(tried.slice(0, 2)).toEqual(['cuda', 'webgpu']);
    for (const attempt of choice.attempts) expect(attempt.reason.length).toBeGreaterThan(0);
    expect(choice.attempts.find((a) => a.name === 'dml')?.reason).toBe('not available on linux');
    expect(choice.attempts.find((a) => a.name === 'coreml')?.reason).toBe('not available on linux');
    const firstOk = choice.attempts.find((a) => a.ok);
    expect(choice.name).toBe(firstOk?.name);
    if (!choice.attempts.some((a) => a.ok && a.name !== 'cpu')) {
      // No GPU provider starts on this machine (no CUDA libraries, no Vulkan): CPU it is.
      expect(choice.name).toBe('cpu');
      expect(choice.attempts.at(-1)).toEqual({ name: 'cpu', ok: true, reason: 'always available' });
      expect(choice.reason).toMatch(/CPU/);
    }
    const webgpu = choice.attempts.find((a) => a.name === 'webgpu')!;
    if (!webgpu.ok) expect(webgpu.reason).toMatch(/WebGPU/);
    expect(choice.reason.length).toBeGreaterThan(0);
  });

  it('caches the choice per request and thread count', async () => {
    expect(chooseProvider('auto')).toBe(chooseProvider('auto'));
    expect(chooseProvider('cpu', { threads: 1 })).not.toBe(chooseProvider('cpu'));
  });

  it('runs CPU when asked for it', async () => {
    const choice = await chooseProvider('cpu', { threads: 1 });
    expect(choice).toMatchObject({ name: 'cpu', request: 'cpu', threads: 1 });
    expect(choice.attempts).toEqual([{ name: 'cpu', ok: true, reason: 'always available' }]);
  });

  it('rejects an explicit provider that cannot start, naming it and the reason', async () => {
    const auto = await chooseProvider('auto');
    const webgpu = auto.attempts.find((a) => a.name === 'webgpu');
    if (webgpu && !webgpu.ok) {
      await expect(chooseProvider('webgpu')).rejects.toThrow(`execution provider 'webgpu' cannot start: ${webgpu.reason}`);
    }
    if (process.platform === 'linux') {
      await expect(chooseProvider('dml')).rejects.toThrow("execution provider 'dml' cannot start: not available on linux");
    }
  });

  it('throws TypeError for an unknown provider, listing the valid ones', () => {
    const valid = ['auto', ...PROVIDER_NAMES].join(', ');
    expect(() => chooseProvider('tpu' as never)).toThrow(new TypeError(`unknown execution provider "tpu" (valid: ${valid})`));
    expect(() => parseProviderRequest(42)).toThrow(TypeError);
    expect(parseProviderRequest('cuda')).toBe('cuda');
  });

  it('throws RangeError for a bad thread count', () => {
    expect(() => chooseProvider('cpu', { threads: -1 })).toThrow(RangeError);
    expect(() => chooseProvider('cpu', { threads: 1.5 })).toThrow(RangeError);
  });
});

describe('sessionOptionsFor', () => {
  const base = { request: 'auto', reason: '', attempts: [] } as const;

  it('puts CPU behind a GPU provider and sets threads only when asked', () => {
    expect(sessionOptionsFor({ ...base, name: 'cpu', threads: 0 })).toEqual({ executionProviders: ['cpu'], graphOptimizationLevel: 'all', interOpNumThreads: 1 });
    expect(sessionOptionsFor({ ...base, name: 'cuda', threads: 4 })).toEqual({
      executionProviders: ['cuda', 'cpu'],
      graphOptimizationLevel: 'all',
      interOpNumThreads: 1,
      intraOpNumThreads: 4,
    });
  });

  it('turns off the memory pattern (and keeps the CPU arena) for variable shapes', () => {
    const options = sessionOptionsFor({ ...base, name: 'cpu', threads: 0 }, { variableShapes: true });
    expect(options).toMatchObject({ enableMemPattern: false });
    expect(options).not.toHaveProperty('enableCpuMemArena');
    expect(sessionOptionsFor({ ...base, name: 'cpu', threads: 0 }, { variableShapes: false })).not.toHaveProperty('enableMemPattern');
  });
});
