/**
 * Compute facts the app shows: which execution provider runs the models and why.
 * Shared by main and renderer; imports nothing.
 */

/** Execution providers nerfdex knows, by ONNX Runtime's Node.js names. */
export const PROVIDER_NAMES = ['cpu', 'cuda', 'dml', 'coreml', 'webgpu'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** What the user asks for: one provider, or `auto` (best available, CPU last). */
export type ProviderRequest = ProviderName | 'auto';

/** One provider tried while choosing: whether a session could start on it, and why not. */
export interface ProviderAttempt {
  readonly name: ProviderName;
  readonly ok: boolean;
  /** Why it was skipped or chosen, in words a user can act on. */
  readonly reason: string;
}

/** The provider in use, the reason it was chosen, and every attempt made on the way. */
export interface ProviderChoice {
  readonly name: ProviderName;
  readonly request: ProviderRequest;
  readonly reason: string;
  readonly attempts: readonly ProviderAttempt[];
  /** Intra-op threads of CPU sessions (0 = ONNX Runtime's default). */
  readonly threads: number;
}
