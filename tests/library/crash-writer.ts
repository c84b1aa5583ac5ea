/**
 * Child process of crash.test.ts: writes batches of assets (each batch one transaction, with
 * files, tags and embeddings) into the library at argv[2] until it is killed, printing
 * `begin <batch>` before each transaction and `committed <batch>` after it (stdout to a pipe is
 * synchronous on POSIX, so the parent sees `begin` while the transaction runs).
 */
import { Library } from '../../src/main/library/library';
import { BATCH_SIZE, DIMS, crashAsset } from './crash-fixture';

const dir = process.argv[2];
if (!dir) throw new Error('usage: crash-writer.ts LIBRARY_DIR');
const library = await Library.open(dir, { log: { info: () => undefined, warn: () => undefined }, exactThreshold: 100, flushDelayMs: 20 });
await library.registerModel({ version: 'gmn-crash', dims: DIMS });
for (let batch = 0; ; batch++) {
  process.stdout.write(`begin ${batch}\n`);
  library.putAssets(Array.from({ length: BATCH_SIZE }, (_, i) => crashAsset(batch, i)));
  process.stdout.write(`committed ${batch}\n`);
  // Let index builds and flushes run between batches, as they would in the app.
  await new Promise((resolve) => setImmediate(resolve));
}
