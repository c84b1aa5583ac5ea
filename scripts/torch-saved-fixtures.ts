/** The nerfacto fixtures that scripts/torch-saved-fixtures.py has real torch read and write again (into /tmp/ns/). */
import { mkdirSync, writeFileSync } from 'node:fs';

import { makeNerfactoFixture } from '../tests/nerf/fixtures-nerfstudio';
mkdirSync('/tmp/ns', { recursive: true });
for (const [name, opts] of [['torch-current', { implementation: 'torch', naming: 'current' }], ['tcnn-current', { implementation: 'tcnn', naming: 'current' }], ['tcnn-split', { implementation: 'tcnn', naming: 'split' }], ['half', { implementation: 'torch', naming: 'current', storage: 'HalfStorage' }]] as const) {
  const f = makeNerfactoFixture({ seed: 3, ...opts });
  writeFileSync(`/tmp/ns/${name}.ckpt`, f.checkpoint());
  writeFileSync(`/tmp/ns/${name}.config.yml`, f.configYaml);
}
