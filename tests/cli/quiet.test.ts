/**
 * A quiet first run: choosing an execution provider on a machine without CUDA libraries or Vulkan
 * prints no native loader errors; why each GPU provider was passed over is in `doctor` instead.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProviderChoice } from '../../src/shared/compute';
import { tempDir } from '../library/helpers';

const NERFDEX = join(import.meta.dirname, '../../src/main/cli/nerfdex.ts');
const root = tempDir('nerfdex-cli-quiet-');
// ONNX Runtime's provider bridge failing to load the CUDA libraries, and Dawn probing Vulkan.
const NATIVE_NOISE = /Failed to load library|cannot open shared object|provider_bridge|\[E:onnxruntime|Couldn't load Vulkan|BackendVk/;

afterAll(() => rmSync(root, { recursive: true, force: true }));

function nerfdex(...argv: string[]): { code: number | null; out: string; err: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', NERFDEX, '--library', join(root, 'library'), ...argv], { encoding: 'utf8', timeout: 60_000 });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

describe('nerfdex on a machine whose GPU providers cannot start', () => {
  it('doctor picks a provider without native errors on stderr and lists why each GPU provider was passed over', () => {
    const doctor = nerfdex('doctor', '--json');
    expect(doctor.err).not.toMatch(NATIVE_NOISE);
    // The reasons name the missing libraries on stdout, not on stderr.
    expect(doctor.err).not.toMatch(/providers_shared|libvulkan/);
    expect(doctor.code).toBe(0);
    const report = JSON.parse(doctor.out) as { provider: ProviderChoice; checks: { check: string; detail: string }[] };
    const detail = report.checks.find((c) => c.check === 'provider')!.detail;
    expect(detail.startsWith(`${report.provider.name}: ${report.provider.reason}`)).toBe(true);
    for (const attempt of report.provider.attempts) expect(attempt.reason.length).toBeGreaterThan(0);
    const passedOver = report.provider.attempts.filter((a) => !a.ok && !a.reason.startsWith('not available on'));
    for (const attempt of passedOver) expect(detail).toContain(`${attempt.name}: ${attempt.reason}`);
    if (process.platform === 'linux') expect(report.provider.attempts.slice(0, 2).map((a) => a.name)).toEqual(['cuda', 'webgpu']);
  });

  it('an explicit provider that cannot start fails with its reason, still without native errors', () => {
    const { provider } = JSON.parse(nerfdex('doctor', '--json').out) as { provider: ProviderChoice };
    const failed = provider.attempts.filter((a) => !a.ok && !a.reason.startsWith('not available on'));
    for (const attempt of failed) {
      const run = nerfdex('--device', attempt.name, 'doctor');
      expect(run.code).toBe(1);
      expect(run.err).not.toMatch(NATIVE_NOISE);
      // One line: the reason, which may name the missing library, and nothing native around it.
      expect(run.err.trim()).toBe(`nerfdex: execution provider '${attempt.name}' cannot start: ${attempt.reason}`);
    }
  });
});
