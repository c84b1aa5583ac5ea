/** The contract's argument validators: what each method accepts, and the TypeError naming the channel otherwise. */
import { describe, expect, it } from 'vitest';
import { API_METHODS, arrayArgument, argumentsOf, integerArgument, objectArgument, oneOfArgument, stringArgument, validateRequest } from '../../src/shared/api';

describe('validator helpers', () => {
  it('bounds strings at both ends', () => {
    const check = stringArgument(4, 1);
    expect(check.test('a')).toBe(true);
    expect(check.test('abcd')).toBe(true);
    expect(check.test('')).toBe(false);
    expect(check.test('abcde')).toBe(false);
    expect(check.expected).toBe('a string of 1 to 4 characters');
  });

  it.each([0, 5, 10])('accepts the integer %d within bounds', (value) => expect(integerArgument(0, 10).test(value)).toBe(true));
  it.each([-1, 11, 1.5, NaN, Infinity, '3', null, undefined, 2 ** 60])('refuses %s as an integer from 0 to 10', (value) => expect(integerArgument(0, 10).test(value)).toBe(false));

  it('checks arrays item by item, and their length', () => {
    const validate = argumentsOf(arrayArgument(integerArgument(1, 9), 3, 1));
    expect(validate('test:a', [[1, 2, 3]])).toEqual([[1, 2, 3]]);
    expect(() => validate('test:a', [[]])).toThrow('test:a: argument 1 must be an array of 1 to 3 items, each an integer from 1 to 9, got an array of 0');
    expect(() => validate('test:a', [[1, 2, 3, 4]])).toThrow('got an array of 4');
    expect(() => validate('test:a', [[1, 'two']])).toThrow('test:a: argument 1 item 2 must be an integer from 1 to 9, got "two"');
    expect(() => validate('test:a', ['1,2'])).toThrow(TypeError);
  });

  it('checks objects field by field, refusing unknown fields and naming the bad one', () => {
    const validate = argumentsOf(objectArgument({ id: integerArgument(1, 9) }, { name: stringArgument(3), inner: objectArgument({}, { n: integerArgument(0, 1) }) }));
    expect(validate('test:o', [{ id: 1 }])).toEqual([{ id: 1 }]);
    expect(validate('test:o', [{ id: 1, name: undefined, inner: { n: 0 } }])).toEqual([{ id: 1, name: undefined, inner: { n: 0 } }]);
    expect(() => validate('test:o', [{}])).toThrow('test:o: argument 1 lacks the field "id" (an integer from 1 to 9)');
    expect(() => validate('test:o', [{ id: 1, extra: true }])).toThrow('test:o: argument 1 has the unknown field "extra" (expected an object with id, name?, inner?)');
    expect(() => validate('test:o', [{ id: 1, name: 'long' }])).toThrow('test:o: argument 1 field "name" must be a string of at most 3 characters, got "long"');
    expect(() => validate('test:o', [{ id: 1, inner: { n: 2 } }])).toThrow('test:o: argument 1 field "inner" field "n" must be an integer from 0 to 1, got 2');
    expect(() => validate('test:o', [[1]])).toThrow('test:o: argument 1 must be an object with id, name?, inner?, got an array of 1');
    expect(() => validate('test:o', [null])).toThrow('got null');
    expect(() => validate('test:o', [new Date()])).toThrow('got an object');
    expect(() => validate('test:o', [JSON.parse('{"id": 1, "__proto__": {"x": 1}}')])).toThrow('unknown field "__proto__"');
  });

  it('keeps oneOf exact', () => {
    expect(oneOfArgument(['a', 'b'] as const).test('a')).toBe(true);
    expect(oneOfArgument(['a', 'b'] as const).test('A')).toBe(false);
  });
});

/** One good call per method: every method is validated, and these pass. */
const GOOD_CALLS: Record<(typeof API_METHODS)[number], unknown[]> = {
  appInfo: [],
  computeInfo: [],
  importFormats: [],
  librarySummary: [],
  listAssets: [{ filter: { family: 'mlp', category: 'chair', tag: 'red', collection: 2, architecture: 'mlp-train' }, sort: 'name', order: 'desc', offset: 100, limit: 200 }],
  getAsset: [1],
  thumbnail: [42],
  thumbnails: [[42, 43, 44]],
  previewVolume: [42],
  searchText: ['red chair', {}, 50],
  findSimilar: [3, 10, { category: 'chair' }],
  findSimilarToFile: ['/data/dropped/chair.nerf.safetensors', 10, { family: 'mlp' }],
  setTags: [[1, 2, 3], ['red'], ['blue']],
  listCollections: [],
  createCollection: ['Shortlist', ''],
  addToCollection: [1, [4, 5]],
  importPaths: [['/data/nerfs', '/data/one.nerf.safetensors']],
  listJobs: [],
  cancelJob: [7],
  exportMesh: [9],
  revealFile: [9, '/data/nerfs/chair.nerf.safetensors'],
  latentMap: [],
  listDevices: [],
  startFineTune: [{ device: 'auto', steps: 50 }],
  fineTuneStatus: [3, 0],
  listFineTunes: [],
  cancelFineTune: [3],
  keepFineTuned: [3],
  discardFineTuned: [3],
  listModels: [],
  useModel: ['gmn-3f2a9c1b'],
  deleteModel: ['gmn-3f2a9c1b'],
  getSettings: [],
  setSettings: [{ addWatchedFolder: '/data/nerfs', device: 'cpu', threads: 2 }],
};

describe('the contract validators', () => {
  it.each(API_METHODS.map((method) => [method]))('accepts a fitting call of %s', (method) => {
    expect(validateRequest(`nerfdex:${method}`, GOOD_CALLS[method])).toEqual({ method, args: GOOD_CALLS[method] });
  });

  it.each<[string, unknown[], string]>([
    ['listAssets', [{ limit: 5000 }], 'nerfdex:listAssets: argument 1 field "limit" must be an integer from 1 to 1000, got 5000'],
    ['listAssets', [{ sort: 'size' }], 'nerfdex:listAssets: argument 1 field "sort" must be one of "name", "added", "category", got "size"'],
    ['listAssets', [{ filter: { family: 'gaussians' } }], 'nerfdex:listAssets: argument 1 field "filter" field "family" must be one of "mlp", "triplane", "hashgrid", got "gaussians"'],
    ['listAssets', [{ filter: { tags: ['x'] } }], 'nerfdex:listAssets: argument 1 field "filter" has the unknown field "tags"'],
    ['listAssets', [{ offset: -1 }], 'nerfdex:listAssets: argument 1 field "offset" must be an integer from 0 to'],
    ['listAssets', [], 'nerfdex:listAssets: expected 1 argument, got 0'],
    ['getAsset', ['1'], 'nerfdex:getAsset: argument 1 must be an integer from 1 to 9007199254740991, got "1"'],
    ['getAsset', [0], 'nerfdex:getAsset: argument 1 must be an integer from 1 to'],
    ['thumbnail', [1.5], 'nerfdex:thumbnail: argument 1 must be an integer'],
    ['thumbnails', [Array.from({ length: 65 }, (_, i) => i + 1)], 'nerfdex:thumbnails: argument 1 must be an array of 1 to 64 items'],
    ['thumbnails', [[]], 'nerfdex:thumbnails: argument 1 must be an array of 1 to 64 items'],
    ['searchText', ['x'.repeat(513), {}, 10], 'nerfdex:searchText: argument 1 must be a string of at most 512 characters'],
    ['searchText', ['chair', {}, 0], 'nerfdex:searchText: argument 3 must be an integer from 1 to 500, got 0'],
    ['searchText', ['chair', null, 10], 'nerfdex:searchText: argument 2 must be an object with family?, architecture?, category?, tag?, collection?, got null'],
    ['findSimilar', [1, 101, {}], 'nerfdex:findSimilar: argument 2 must be an integer from 1 to 100, got 101'],
    ['findSimilarToFile', ['', 10, {}], 'nerfdex:findSimilarToFile: argument 1 must be a string of 1 to 4096 characters, got ""'],
    ['findSimilarToFile', [3, 10, {}], 'nerfdex:findSimilarToFile: argument 1 must be a string of 1 to 4096 characters, got 3'],
    ['findSimilarToFile', ['/data/a.nerf.safetensors', 0, {}], 'nerfdex:findSimilarToFile: argument 2 must be an integer from 1 to 100, got 0'],
    ['findSimilarToFile', ['/data/a.nerf.safetensors', 10], 'nerfdex:findSimilarToFile: expected 3 arguments, got 2'],
    ['setTags', [[], ['x'], []], 'nerfdex:setTags: argument 1 must be an array of 1 to 10000 items'],
    ['setTags', [[1], [''], []], 'nerfdex:setTags: argument 2 item 1 must be a string of 1 to 64 characters, got ""'],
    ['setTags', [[1], ['x'.repeat(65)], []], 'nerfdex:setTags: argument 2 item 1 must be a string of 1 to 64 characters'],
    ['setTags', [[1], Array.from({ length: 33 }, () => 'x'), []], 'nerfdex:setTags: argument 2 must be an array of at most 32 items'],
    ['createCollection', ['', ''], 'nerfdex:createCollection: argument 1 must be a string of 1 to 200 characters, got ""'],
    ['addToCollection', [1, [1, -2]], 'nerfdex:addToCollection: argument 2 item 2 must be an integer from 1 to'],
    ['importPaths', [[]], 'nerfdex:importPaths: argument 1 must be an array of 1 to 256 items'],
    ['importPaths', ['/data'], 'nerfdex:importPaths: argument 1 must be an array of 1 to 256 items, each a string of 1 to 4096 characters, got "/data"'],
    ['cancelJob', [], 'nerfdex:cancelJob: expected 1 argument, got 0'],
    ['exportMesh', [1, 2], 'nerfdex:exportMesh: expected 1 argument, got 2'],
    ['revealFile', [9, ''], 'nerfdex:revealFile: argument 2 must be a string of 1 to 4096 characters, got ""'],
    ['revealFile', [9, ['/data/a.nerf.safetensors']], 'nerfdex:revealFile: argument 2 must be a string of 1 to 4096 characters, got an array of 1'],
    ['revealFile', ['/data/a.nerf.safetensors'], 'nerfdex:revealFile: expected 2 arguments, got 1'],
    ['latentMap', [1], 'nerfdex:latentMap: expected 0 arguments, got 1'],
    ['startFineTune', [{ device: 'tpu', steps: 10 }], 'nerfdex:startFineTune: argument 1 field "device" must be one of "auto", "cpu", "cuda", "dml", "coreml", "webgpu", got "tpu"'],
    ['startFineTune', [{ device: 'auto', steps: 0 }], 'nerfdex:startFineTune: argument 1 field "steps" must be an integer from 1 to 5000, got 0'],
    ['startFineTune', [{ device: 'auto' }], 'nerfdex:startFineTune: argument 1 lacks the field "steps"'],
    ['fineTuneStatus', [1], 'nerfdex:fineTuneStatus: expected 2 arguments, got 1'],
    ['useModel', [''], 'nerfdex:useModel: argument 1 must be a string of 1 to 64 characters, got ""'],
    ['deleteModel', [3], 'nerfdex:deleteModel: argument 1 must be a string of 1 to 64 characters, got 3'],
    ['setSettings', [{ threads: -1 }], 'nerfdex:setSettings: argument 1 field "threads" must be an integer from 0 to 256, got -1'],
    ['setSettings', [{ folders: [] }], 'nerfdex:setSettings: argument 1 has the unknown field "folders"'],
  ])('%s(%j) is a TypeError naming the channel', (method, args, message) => {
    expect(() => validateRequest(`nerfdex:${method}`, args)).toThrow(TypeError);
    expect(() => validateRequest(`nerfdex:${method}`, args)).toThrow(message);
  });
});
