import { afterAll, describe, expect, it } from 'vitest';
import type { ProviderChoice } from '../../src/shared/compute';
import { JobCancelledError, type JobContext, type JobProgress } from '../../src/main/compute/jobs';
import { SessionCache } from '../../src/main/compute/session';
import { seededRandom as mulberry32 } from '../../src/main/compute/init';
import { BatchSampler, trainLoopJob, type TrainLoopInput } from '../../src/main/compute/train-loop';
import { tensor } from '../../src/main/compute/tensor';
import { trainStepModel } from './tiny-onnx-models';

const cpu: ProviderChoice = { name: 'cpu', request: 'cpu', reason: 'test', attempts: [], threads: 0 };
const sessions = new SessionCache();
afterAll(() => sessions.dispose());

function context(cancelAfter = Infinity): { ctx: JobContext; progress: JobProgress[] } {
  const progress: JobProgress[] = [];
  const ctx: JobContext = {
    progress: (p) => progress.push(p),
    get cancelled() {
      return progress.length >= cancelAfter;
    },
    throwIfCancelled() {
      if (this.cancelled) throw new JobCancelledError();
    },
    sessions,
  };
  return { ctx, progress };
}

function input(overrides: Partial<TrainLoopInput> = {}): TrainLoopInput {
  return {
    model: trainStepModel(),
    provider: cpu,
    params: { w: tensor('float32', [1], [0]) },
    data: { y: tensor('float32', [8, 1], [3, 3, 3, 3, 3, 3, 3, 3]) },
    batchSize: 4,
    steps: 20,
    schedule: { kind: 'constant', lr: 0.25 },
    progressEvery: 1,
    ...overrides,
  };
}

describe('trainLoopJob', () => {
  it('feeds outputs back as inputs and converges', async () => {
    const { ctx, progress } = context();
    const out = await trainLoopJob(input(), ctx);
    expect(out.cancelled).toBe(false);
    expect(out.losses).toHaveLength(20);
    expect(out.losses[0]).toBeCloseTo(9, 5);
    // w <- w - 0.25 * 2 (w - 3) halves the distance to 3 each step.
    expect(out.losses[1]).toBeCloseTo(9 / 4, 5);
    expect(out.params['w']!.data[0]).toBeCloseTo(3, 4);
    expect(out.optimizer.step).toBe(20);
    // v sums the step numbers fed: 1 + 2 + ... + 20.
    expect(out.optimizer.v['w']!.data[0]).toBe(210);
    expect(progress).toHaveLength(20);
    expect(progress[19]).toMatchObject({ done: 20, total: 20, message: 'step 20' });
    expect(progress[0]!.metrics).toEqual({ loss: out.losses[0], lr: 0.25, batch_mean: 3 });
  });

  it('resumes from optimizer state and continues the step count', async () => {
    const { ctx } = context();
    const out = await trainLoopJob(
      input({ steps: 2, optimizer: { m: { w: tensor('float32', [1], [0]) }, v: { w: tensor('float32', [1], [100]) }, step: 10 } }),
      ctx,
    );
    expect(out.optimizer.v['w']!.data[0]).toBe(100 + 11 + 12);
    expect(out.optimizer.step).toBe(12);
  });

  it('follows the schedule, with an offset into a longer run', async () => {
    const { ctx, progress } = context();
    await trainLoopJob(input({ steps: 3, schedule: { kind: 'cosine', lr: 1, totalSteps: 4, offset: 1 } }), ctx);
    const lrs = progress.map((p) => p.metrics!['lr']!);
    [1, 2, 3].forEach((s, i) => expect(lrs[i]).toBeCloseTo((1 + Math.cos((Math.PI * s) / 4)) / 2, 6));
  });

  it('stops between steps when cancelled and returns the state reached', async () => {
    const { ctx } = context(5);
    const out = await trainLoopJob(input(), ctx);
    expect(out.cancelled).toBe(true);
    expect(out.losses).toHaveLength(5);
    expect(out.optimizer.step).toBe(5);
  });

  it('names what does not follow the I/O convention', async () => {
    const { ctx } = context();
    await expect(trainLoopJob(input({ params: { w: tensor('float32', [1], [0]), b: tensor('float32', [1], [0]) } }), ctx)).rejects.toThrow(
      "train.loop: the train-step model has no input 'params/b'",
    );
    await expect(trainLoopJob(input({ data: {} }), ctx)).rejects.toThrow("no data for batch input 'y'");
    await expect(trainLoopJob(input({ data: { y: tensor('float32', [8, 1]), x: tensor('float32', [8]) } }), ctx)).rejects.toThrow("data 'x' is not a batch input");
    await expect(trainLoopJob(input({ batchSize: 9 }), ctx)).rejects.toThrow(new RangeError('train.loop: batchSize 9 exceeds the 8 examples'));
    await expect(trainLoopJob(input({ steps: -1 }), ctx)).rejects.toThrow(RangeError);
  });
});

describe('BatchSampler', () => {
  it('draws every example once per epoch, in a seeded order', () => {
    const sampler = new BatchSampler(10, 5, 7);
    const epoch = [...sampler.next(), ...sampler.next()];
    expect([...epoch].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const again = new BatchSampler(10, 5, 7);
    expect([...again.next(), ...again.next()]).toEqual(epoch);
    expect(new BatchSampler(10, 5, 8).next()).not.toEqual(epoch.slice(0, 5));
  });

  it('reshuffles when fewer than a batch remain', () => {
    const sampler = new BatchSampler(5, 2, 1);
    const seen = [sampler.next(), sampler.next()].flat();
    expect(new Set(seen).size).toBe(4);
    expect(new Set(sampler.next()).size).toBe(2);
  });

  it('mulberry32 is deterministic and in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});
