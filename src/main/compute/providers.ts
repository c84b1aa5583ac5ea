/**
 * Execution providers: which one runs our models on this machine, and why.
 *
 * ONNX Runtime does not fall back when a provider fails to start (session creation throws), so
 * each candidate is probed with a one-node model that is created, run once and checked. A
 * provider whose native libraries are missing is passed over without a probe, which would print
 * the loader's errors on stderr; the reason goes into its attempt instead.
 */
import onnxProto, { type onnx as OnnxTypes } from 'onnx-proto';
import { InferenceSession, Tensor, listSupportedBackends } from 'onnxruntime-node';
import { PROVIDER_NAMES, type ProviderAttempt, type ProviderChoice, type ProviderName, type ProviderRequest } from '../../shared/compute';
import { hasSharedLibrary, missingBesideOrtBinding } from './native-libraries';

const { onnx } = onnxProto;

/** GPU providers worth trying on each platform, best first. CPU always comes last. */
const PLATFORM_ORDER: Readonly<Partial<Record<NodeJS.Platform, readonly ProviderName[]>>> = {
  linux: ['cuda', 'webgpu'],
  win32: ['cuda', 'dml', 'webgpu'],
  darwin: ['coreml', 'webgpu'],
};

const VALID_REQUESTS: readonly string[] = ['auto', ...PROVIDER_NAMES];

/** What onnxruntime-node's installer puts beside its binding for CUDA (Linux x64, `cuda12`). */
const CUDA_PROVIDER_FILES = ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'];

export interface ChooseProviderOptions {
  /** Intra-op threads for sessions on the chosen provider. @default 0 (ONNX Runtime's default) */
  threads?: number;
}

/** Options of the sessions that will run on a chosen provider. */
export interface ProviderSessionOptions {
  /**
   * Inputs change size between runs (batches of varying length). Turns off memory-pattern
   * planning, without which native memory grows with every new input size. The CPU arena stays
   * on: without it every run allocates afresh, measured 4x slower on GMN batches, while with it
   * resident memory settles (a few MB of drift over 24 batches of varying size).
   * @default false
   */
  variableShapes?: boolean;
  /**
   * Run the CPU provider's kernels on one intra-op thread. ONNX Runtime's CPU ScatterND with a
   * reduction splits its updates over threads without guarding duplicate indices (onnxruntime
   * issue #18048, still so in 1.30): with two or more threads a segment sum loses updates now and
   * then (measured: a mean over 200k edges off by up to 0.34; an embedding off by 77 %). Every
   * model with a scatter-add (the GMN, gradients of gathers) must set this. @default false
   */
  singleThreaded?: boolean;
}

/** Checks that `request` names a provider we know; `TypeError` quoting it otherwise. */
export function parseProviderRequest(request: unknown): ProviderRequest {
  if (typeof request !== 'string' || !VALID_REQUESTS.includes(request)) {
    const shown = typeof request === 'string' ? `"${request}"` : String(request);
    throw new TypeError(`unknown execution provider ${shown} (valid: ${VALID_REQUESTS.join(', ')})`);
  }
  return request as ProviderRequest;
}

/** Session options that run on `choice`, with CPU behind a GPU provider for the nodes it lacks. */
export function sessionOptionsFor(choice: ProviderChoice, opts: ProviderSessionOptions = {}): InferenceSession.SessionOptions {
  const options: InferenceSession.SessionOptions = {
    executionProviders: choice.name === 'cpu' ? ['cpu'] : [choice.name, 'cpu'],
    graphOptimizationLevel: 'all',
    interOpNumThreads: 1,
  };
  if (opts.singleThreaded) options.intraOpNumThreads = 1;
  else if (choice.threads > 0) options.intraOpNumThreads = choice.threads;
  if (opts.variableShapes) {
    options.enableMemPattern = false;
  }
  return options;
}

const choices = new Map<string, Promise<ProviderChoice>>();
const probes = new Map<string, Promise<ProviderAttempt>>();

/**
 * Picks the execution provider for `request`. `auto` tries this platform's GPU providers in order
 * (linux: cuda, webgpu; win32: cuda, dml, webgpu; darwin: coreml, webgpu) and falls back to CPU,
 * recording why each was passed over. An explicit provider is tried alone; when it cannot start
 * the promise rejects with an `Error` naming it and the reason. An unknown name throws `TypeError`.
 * Results, failures included, are cached per request and thread count for the life of the process.
 */
export function chooseProvider(request: ProviderRequest, options: ChooseProviderOptions = {}): Promise<ProviderChoice> {
  const parsed = parseProviderRequest(request);
  const threads = options.threads ?? 0;
  if (!Number.isInteger(threads) || threads < 0) throw new RangeError(`chooseProvider: threads must be an integer >= 0, got ${threads}`);
  const key = `${parsed}/${threads}`;
  let choice = choices.get(key);
  if (!choice) {
    choice = parsed === 'auto' ? chooseAuto(threads) : chooseExplicit(parsed, threads);
    choices.set(key, choice);
  }
  return choice;
}

/** Forgets cached choices and probes (tests, or after the user installs a driver). */
export function clearProviderCache(): void {
  choices.clear();
  probes.clear();
}

async function chooseAuto(threads: number): Promise<ProviderChoice> {
  const platform = process.platform;
  const order = PLATFORM_ORDER[platform] ?? ['webgpu'];
  const attempts: ProviderAttempt[] = [];
  for (const name of order) {
    const attempt = await probe(name, threads);
    attempts.push(attempt);
    if (attempt.ok) {
      for (const other of PROVIDER_NAMES) if (other !== 'cpu' && !order.includes(other)) attempts.push(notOnPlatform(other));
      return { name, request: 'auto', reason: `${name} is the first provider that started on ${platform}`, attempts, threads };
    }
  }
  for (const other of PROVIDER_NAMES) if (other !== 'cpu' && !order.includes(other)) attempts.push(notOnPlatform(other));
  const cpu = await probe('cpu', threads);
  attempts.push(cpu);
  if (!cpu.ok) throw new Error(`no execution provider could start; cpu: ${cpu.reason}`);
  return { name: 'cpu', request: 'auto', reason: 'no GPU provider could start, so CPU runs the models', attempts, threads };
}

async function chooseExplicit(name: ProviderName, threads: number): Promise<ProviderChoice> {
  const platformOk = name === 'cpu' || (PLATFORM_ORDER[process.platform] ?? ['webgpu']).includes(name);
  const attempt = platformOk ? await probe(name, threads) : notOnPlatform(name);
  if (!attempt.ok) throw new Error(`execution provider '${name}' cannot start: ${attempt.reason}`);
  return { name, request: name, reason: `${name} was requested and started`, attempts: [attempt], threads };
}

function notOnPlatform(name: ProviderName): ProviderAttempt {
  return { name, ok: false, reason: `not available on ${process.platform}` };
}

function probe(name: ProviderName, threads: number): Promise<ProviderAttempt> {
  const key = `${name}/${threads}`;
  let result = probes.get(key);
  if (!result) {
    result = runProbe(name, threads);
    probes.set(key, result);
  }
  return result;
}

async function runProbe(name: ProviderName, threads: number): Promise<ProviderAttempt> {
  const backend = listSupportedBackends().find((b) => b.name === name);
  if (!backend) return { name, ok: false, reason: `not bundled with this build of onnxruntime-node (${installHint(name)})` };
  const missing = missingLibraryReason(name);
  if (missing) return { name, ok: false, reason: missing };
  let session: InferenceSession | undefined;
  try {
    const options = sessionOptionsFor({ name, request: name, reason: 'probe', attempts: [], threads });
    // A failed probe is told by its reason, so the probe session logs nothing. The provider bridge
    // logs to ORT's process-wide logger, fixed when ORT starts: hence missingLibraryReason first.
    session = await InferenceSession.create(probeModelBytes(), { ...options, executionProviders: [name], logSeverityLevel: 4 });
    const out = await session.run({
      a: new Tensor('float32', Float32Array.from([1, 2]), [2]),
      b: new Tensor('float32', Float32Array.from([3, 4]), [2]),
    });
    const c = out['c']?.data;
    if (!(c instanceof Float32Array) || c[0] !== 4 || c[1] !== 6) return { name, ok: false, reason: 'a test model ran but gave wrong numbers' };
    return { name, ok: true, reason: name === 'cpu' ? 'always available' : 'a test model ran and gave the right numbers' };
  } catch (error) {
    return { name, ok: false, reason: describeFailure(name, error, backend.bundled) };
  } finally {
    await session?.release().catch(() => undefined);
  }
}

/**
 * Why `name` cannot start here, when a library it needs is missing from disk (Linux: the CUDA
 * provider files beside the binding and the NVIDIA driver; the Vulkan loader for WebGPU); else
 * undefined, and the probe decides.
 */
function missingLibraryReason(name: ProviderName): string | undefined {
  if (process.platform !== 'linux') return undefined;
  if (name === 'cuda') {
    const absent = missingBesideOrtBinding(CUDA_PROVIDER_FILES);
    if (absent.length > 0) return `not installed: no ${absent.join(', ')} beside the onnxruntime-node binding (${installHint(name)})`;
    if (!hasSharedLibrary('libcuda.so.1')) return 'no NVIDIA driver (libcuda.so.1 not found)';
  }
  if (name === 'webgpu' && !hasSharedLibrary('libvulkan.so.1')) return 'no WebGPU adapter (libvulkan.so.1 not found)';
  return undefined;
}

let probeBytes: Uint8Array | undefined;

/** A one-node model, c = a + b on float32 vectors of length 2. */
function probeModelBytes(): Uint8Array {
  if (probeBytes) return probeBytes;
  const vector = (name: string): OnnxTypes.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: 2 }] } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'nerfdex-provider-probe',
    opsetImport: [{ domain: '', version: 18 }],
    graph: {
      name: 'probe',
      node: [{ opType: 'Add', input: ['a', 'b'], output: ['c'], name: 'add' }],
      input: [vector('a'), vector('b')],
      output: [vector('c')],
    },
  });
  probeBytes = onnx.ModelProto.encode(model).finish();
  return probeBytes;
}

function installHint(name: ProviderName): string {
  switch (name) {
    case 'cuda':
      return 'reinstall onnxruntime-node with ONNXRUNTIME_NODE_INSTALL=cuda12; it needs CUDA 12 and cuDNN 9';
    case 'dml':
      return 'DirectML ships with the Windows x64 build of onnxruntime-node';
    case 'coreml':
      return 'CoreML ships with the macOS build of onnxruntime-node';
    default:
      return `install the official onnxruntime-node package for ${process.platform}`;
  }
}

/** Turns an ONNX Runtime error into one short line a user can act on. */
function describeFailure(name: ProviderName, error: unknown, bundled: boolean): string {
  const raw = error instanceof Error ? error.message : String(error);
  const firstLine = raw.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? 'unknown error';
  // ORT prefixes messages with a source location and the failed check; keep what follows.
  const line = firstLine
    .replace(/^.*?\bwas false\.\s*/, '')
    .replace(/^.*?\[ONNXRuntimeError\]\s*:\s*\d+\s*:\s*\w+\s*:\s*/, '')
    .replace(/^\S*onnxruntime_src\S*\s+/, '');
  const adapter = /Failed to get a WebGPU adapter:?\s*(.*)$/i.exec(line);
  if (adapter) {
    const vulkanMissing = process.platform === 'linux' && !hasSharedLibrary('libvulkan.so.1');
    return `no WebGPU adapter (${vulkanMissing ? 'libvulkan.so.1 not found' : adapter[1]?.trim() || 'none reported'})`;
  }
  if (/Failed to load shared library/i.test(line)) {
    return bundled ? `its libraries could not be loaded (${installHint(name)})` : `not bundled with this build of onnxruntime-node (${installHint(name)})`;
  }
  if (/backend not found/i.test(line)) return `not bundled with this build of onnxruntime-node (${installHint(name)})`;
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
