/**
 * Broken and hostile nerfstudio checkpoints, one line each (Netron's models.json habit): file
 * name, bytes, the error class they are refused with and the reason's pattern.
 */
import { TensorValue, RawPickle, type PyValue, type ZipRecord, torchSave } from './fixtures-torch';
import { makeNerfactoFixture } from './fixtures-nerfstudio';

const largest = (records: readonly ZipRecord[]): number => Math.max(...records.filter((r) => r.name.includes('/data/')).map((r) => r.data.length));
const text = (s: string): number[] => [...new TextEncoder().encode(s)];
/** BINUNICODE of a short string. */
const unicode = (s: string): number[] => [0x58, s.length, 0, 0, 0, ...text(s)];

export function hostileCheckpoints(): [name: string, bytes: Uint8Array, errorClass: string, reason: RegExp][] {
  const fixture = makeNerfactoFixture({ seed: 21 });
  const good = fixture.checkpoint();
  const replaceIn = (key: string, value: PyValue): [string, PyValue][] => fixture.pipeline.map(([k, v]) => [k, k === key ? value : v]);
  const table = fixture.pipeline.find(([k]) => k === '_model.field.mlp_base.model.0.hash_table')![1] as TensorValue;
  const withRecords = (edit: (records: ZipRecord[]) => ZipRecord[]): Uint8Array => torchSave(fixture.root(fixture.pipeline), { name: 'step-000029999', edit });
  const system = new RawPickle([...text('cposix\nsystem\n'), ...unicode('touch /tmp/nerfdex-pwned'), 0x85, 0x52]);
  const nested = new RawPickle([...new Array<number>(20_000).fill(0x5d), ...new Array<number>(19_999).fill(0x61)]);
  return [
    ['truncated.ckpt', good.subarray(0, Math.floor(good.length / 2)), 'NerfstudioError', /not a readable zip archive, or a truncated one/],
    ['zip-bomb.ckpt', withRecords((rs) => rs.map((r) => (r.name.endsWith('/data/0') ? { ...r, declaredSize: 0xfffffff0, method: 8 } : r))), 'NerfstudioError', /declares 4294967280 bytes uncompressed, more than the \d+ read \(a zip bomb/],
    ['compressed-record.ckpt', withRecords((rs) => rs.map((r) => (r.name.endsWith('/data.pkl') ? { ...r, method: 8 } : r))), 'NerfstudioError', /"step-000029999\/data.pkl" is compressed \(method 8\)/],
    ['os-system.ckpt', torchSave(new Map<PyValue, PyValue>([['step', 1], ['pipeline', system]]), { name: 'evil' }), 'DisallowedGlobalError', /refuses the global posix\.system: not on the allow-list/],
    ['deeply-nested.ckpt', torchSave(new Map<PyValue, PyValue>([['pipeline', nested]])), 'NerfstudioError', /nested more than 100 containers deep/],
    ['offset-out-of-range.ckpt', torchSave(fixture.root(replaceIn('_model.field.mlp_base.model.0.hash_table', new TensorValue(table.values, [...table.shape], 'FloatStorage', { numel: table.values.length, offset: 1000, stride: [table.shape[1]!, 1] })))), 'NerfstudioError', /tensor "mlp_base.model.0.hash_table" reaches element \d+ of storage "\d+" \(offset 1000/],
    ['wrong-dtype.ckpt', torchSave(fixture.root(replaceIn('_model.field.mlp_base.model.0.hash_table', new TensorValue(Array.from(table.values, () => 1), [...table.shape], 'LongStorage')))), 'NerfstudioError', /"_model.field.mlp_base.model.0.hash_table" has dtype int64, expected a float tensor/],
    ['short-record.ckpt', withRecords((rs) => rs.map((r) => (r.data.length === largest(rs) ? { ...r, data: r.data.subarray(0, 8) } : r))), 'NerfstudioError', /record "step-000029999\/data\/\d+" holds 8 bytes, its storage of \d+ float32 needs \d+/],
    ['missing-head.ckpt', torchSave(fixture.root(fixture.pipeline.filter(([k]) => !k.includes('mlp_head')))), 'NerfstudioError', /the field has no colour head/],
    ['missing-base.ckpt', torchSave(fixture.root(fixture.pipeline.filter(([k]) => !k.includes('mlp_base')))), 'NerfstudioError', /the field has no nerfacto base network/],
    ['proposal-only.ckpt', makeNerfactoFixture({ withoutField: true }).checkpoint(), 'NerfstudioError', /holds only nerfacto's proposal networks \(\d+ tensors under _model.proposal_networks./],
    ['no-pickle.ckpt', withRecords((rs) => rs.filter((r) => !r.name.endsWith('data.pkl'))), 'NerfstudioError', /not a torch checkpoint \(no <name>\/data.pkl in the zip/],
    ['not-nerfstudio.ckpt', torchSave(new Map<PyValue, PyValue>([['state_dict', new Map()]])), 'NerfstudioError', /not a nerfstudio checkpoint \(no "pipeline" state dict; keys "state_dict"\)/],
  ];
}
