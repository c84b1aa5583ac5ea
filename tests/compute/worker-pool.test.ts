import { InferenceSession } from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProviderChoice } from '../../src/shared/compute';
import { JobCancelledError, type JobProgress } from '../../src/main/compute/jobs';
import { runSession } from '../../src/main/compute/session';
import { tensor } from '../../src/main/compute/tensor';
import type { TrainLoopInput } from '../../src/main/compute/train-loop';
import { computePool } from './compute-pool';
import { addModel, matmulChainModel, trainStepModel } from './tiny-onnx-models';

const cpu: ProviderChoice = { name: 'cpu', request: 'cpu', reason: 'test', attempts: [], threads: 0 };
const pool = computePool({ size: 2, debugJobs: true });
afterAll(() => pool.close());

function trainInput(steps: number): TrainLoopInput {
  const y = Float32Array.from({ length: 64 }, (_, i) => 2 + (i % 4) * 0.5);
  return {
    model: trainStepModel(),
    provider: cpu,
    params: { w: tensor('float32', [1], [0]) },
    data: { y: tensor('float32', [64, 1], y) },
    batchSize: 16,
    steps,
    schedule: { kind: 'one-cycle', lr: 0.4 },
    seed: 1,
    progressEvery: 1,
  };
}

describe('WorkerPool', () => {
  it('runs ort.run in a worker with the same numbers as in process', async () => {
    const model = addModel('n');
    const a = tensor('float32', [1000], Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 1e3));
    const b = tensor('float32', [1000], Float32Array.from({ length: 1000 }, (_, i) => Math.cos(i) / 7));
    const local = await runSession(await InferenceSession.create(model), { a, b });
    const remote = await pool.startJob('ort.run', { model, provider: cpu, feeds: { a, b } }).result;
    expect(remote['c']).toEqual(local['c']);
    expect(remote['c']!.data).toBeInstanceOf(Float32Array);
  });

  it('runs train.loop with progress, following the train-step I/O convention', async () => {
    const progress: JobProgress[] = [];
    const input = trainInput(40);
    const handle = pool.startJob('train.loop', input, { onProgress: (p) => progress.push(p), transfer: [input.data['y']!.data.buffer as ArrayBuffer] });
    const out = await handle.result;
    expect(input.data['y']!.data.length).toBe(0); // moved to the worker, not copied
    expect(out.cancelled).toBe(false);
    expect(out.losses).toHaveLength(40);
    expect(out.losses.at(-1)!).toBeLessThan(out.losses[0]!);
    expect(out.params['w']!.data[0]).toBeCloseTo(2.75, 1);
    expect(out.optimizer.step).toBe(40);
    expect(out.optimizer.v['w']!.data[0]).toBe((40 * 41) / 2);
    expect(progress.map((p) => p.done)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(progress[0]!.metrics!['lr']).toBeCloseTo(0.4 / 25, 6);
    expect(Object.keys(progress[0]!.metrics!).sort()).toEqual(['batch_mean', 'loss', 'lr']);
  });

  it('cancels train.loop between steps and returns the state reached', async () => {
    const steps = 1_000_000;
    const handle = pool.startJob('train.loop', trainInput(steps), {
      onProgress: (p) => {
        if (p.done === 5) handle.cancel();
      },
    });
    const out = await handle.result;
    expect(out.cancelled).toBe(true);
    expect(out.losses.length).toBeGreaterThanOrEqual(5);
    expect(out.losses.length).toBeLessThan(steps);
    expect(out.optimizer.step).toBe(out.losses.length);
  });

  it('rejects a job kind that is not registered, listing the valid ones', () => {
    expect(() => pool.startJob('fs.readFile', {})).toThrow(TypeError);
    expect(() => pool.startJob('./train-loop', {})).toThrow(/unknown job kind "\.\/train-loop" \(valid: ort\.run, train\.loop, debug\./);
    const plain = computePool({ size: 1 });
    expect(() => plain.startJob('debug.echo', {})).toThrow('unknown job kind "debug.echo" (valid: ort.run, train.loop)');
    void plain.close();
  });

  it('rejects with the error the job threw, keeping its name and message', async () => {
    const failing = pool.startJob('debug.fail', { name: 'RangeError', message: 'lr out of range: -1' }).result;
    await expect(failing).rejects.toThrow(new RangeError('lr out of range: -1'));
    const custom = pool.startJob('debug.fail', { name: 'NerfFormatError', message: 'bad header' }).result;
    await expect(custom).rejects.toMatchObject({ name: 'NerfFormatError', message: 'bad header' });
    const bad = pool.startJob('train.loop', { ...trainInput(1), batchSize: 0 }).result;
    await expect(bad).rejects.toThrow(new RangeError('train.loop: batchSize must be an integer >= 1, got 0'));
  });

  it('rejects a job whose worker crashed, and keeps working', async () => {
    const exited = pool.startJob('debug.crash', { how: 'exit' }).result;
    await expect(exited).rejects.toThrow(/^worker crashed while running job 'debug\.crash' #\d+: exited with code 3$/);
    const thrown = pool.startJob('debug.crash', { how: 'throw' }).result;
    await expect(thrown).rejects.toThrow(/worker crashed while running job 'debug\.crash' #\d+: uncaught Error: debug\.crash: uncaught error in worker/);
    const results = await Promise.all(
      [1, 2, 3].map((k) => pool.startJob('ort.run', { model: addModel(1), provider: cpu, feeds: { a: tensor('float32', [1], [k]), b: tensor('float32', [1], [k]) } }).result),
    );
    expect(results.map((r) => r['c']!.data[0])).toEqual([2, 4, 6]);
  });

  it('cancels a queued job before it starts and a running one between steps', async () => {
    const single = computePool({ size: 1, debugJobs: true });
    const running = single.startJob('debug.spin', { steps: 1000, stepMs: 5 });
    const queued = single.startJob('debug.echo', { hello: 1 });
    queued.cancel();
    await expect(queued.result).rejects.toThrow(JobCancelledError);
    running.cancel();
    await expect(running.result).rejects.toThrow(new JobCancelledError());
    expect(await single.startJob('debug.echo', { hello: 2 }).result).toEqual({ hello: 2 });
    const pending = expect(single.startJob('debug.spin', { steps: 1000, stepMs: 5 }).result).rejects.toThrow(/closed while job 'debug\.spin' #\d+ ran/);
    await single.close();
    await pending;
    expect(() => single.startJob('debug.echo', {})).toThrow('WorkerPool: the pool is closed');
  });

  it('keeps the main thread responsive while a worker runs ONNX Runtime', async () => {
    const n = 512;
    const feeds = { x: tensor('float32', [n, n], new Float32Array(n * n).fill(1)), w: tensor('float32', [n, n], new Float32Array(n * n).fill(1 / n)) };
    const run = async (depth: number) => {
      const started = performance.now();
      const out = await pool.startJob('ort.run', { model: matmulChainModel(depth), provider: cpu, feeds }).result;
      return { ms: performance.now() - started, y: out['y']! };
    };
    // Size the job so it keeps the worker busy for a few hundred milliseconds on this machine.
    await run(8); // starts the worker and the session
    const probe = await run(8);
    const depth = Math.min(2000, Math.max(8, Math.ceil((8 * 1000) / Math.max(probe.ms, 1))));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const job = await run(depth);
    clearInterval(timer);
    expect(job.y.data[0]).toBeCloseTo(1, 4);
    expect(ticks, `${ticks} ticks during a ${job.ms.toFixed(0)} ms job of ${depth} MatMuls`).toBeGreaterThanOrEqual(3);
  });
});
