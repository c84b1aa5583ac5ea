import { describe, expect, it } from 'vitest';
import { Graph } from '../../src/main/compute/graph';
import { buildModel } from '../../src/main/compute/model';
import * as op from '../../src/main/compute/ops';
import { chooseProvider } from '../../src/main/compute/providers';
import { SessionCache, hasScatterReduction, runSession } from '../../src/main/compute/session';
import { seededRandom } from '../../src/main/compute/init';

// ONNX Runtime's CPU ScatterND with reduction 'add' loses updates on duplicate indices when it
// runs on several threads (onnxruntime#18048); the session cache must run such models on one.
describe('scatter-add sessions', () => {
  const E = 200_000;
  const N = 3_000;
  const H = 32;
  const next = seededRandom(5);
  const indices = BigInt64Array.from({ length: E }, () => BigInt(Math.floor(next() * N)));
  const expected = new Float64Array(N * H);
  for (let e = 0; e < E; e++) for (let h = 0; h < H; h++) expected[Number(indices[e]!) * H + h]! += 1;
  const g = new Graph('float32');
  const updates = g.input('updates', 'float32', ['E', H]);
  const ids = g.input('ids', 'int64', ['E']);
  const rows = g.input('rows', 'float32', ['N', 1]);
  const bytes = buildModel(g, { outputs: { sums: op.segmentSum(updates, ids, rows) }, name: 'segment_sum' });

  it('are recognised by their ScatterND reduction', () => {
    expect(hasScatterReduction(bytes)).toBe(true);
    const plain = new Graph('float32');
    const x = plain.input('x', 'float32', [2]);
    expect(hasScatterReduction(buildModel(plain, { outputs: { y: op.mul(x, 2) }, name: 'plain' }))).toBe(false);
  });

  it('sum every duplicate index exactly on a provider asking for two threads, in fresh sessions', async () => {
    const provider = await chooseProvider('cpu', { threads: 2 });
    const feeds = {
      updates: { dtype: 'float32' as const, shape: [E, H], data: new Float32Array(E * H).fill(1) },
      ids: { dtype: 'int64' as const, shape: [E], data: indices },
      rows: { dtype: 'float32' as const, shape: [N, 1], data: new Float32Array(N) },
    };
    let worst = 0;
    for (let run = 0; run < 8; run++) {
      const sessions = new SessionCache();
      const sums = (await runSession(await sessions.get(bytes, provider), feeds))['sums']!.data as Float32Array;
      for (let i = 0; i < sums.length; i++) worst = Math.max(worst, Math.abs(sums[i]! - expected[i]!));
      await sessions.dispose();
    }
    expect(worst).toBe(0);
  });
});
