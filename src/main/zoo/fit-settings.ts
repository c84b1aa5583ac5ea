/**
 * How the zoo fits each architecture. The zoo-wide step count and learning rate suit the training
 * architectures; an unseen variant may scale the steps and set its own learning rate. A fit that
 * collapses (below 20 dB) is fitted once more from another init and the better of the two kept:
 * an unseen variant's at its own steps, a training architecture's at twice them (its collapses are
 * rare and another init at the same steps did not rescue the one in the default zoo). The default
 * zoo's train split has no collapsed fit, so the fits the shipped encoder trained on stay
 * byte-identical. Measurements behind the entries: docs/nerf.md.
 */
import { isTrainingArchitecture } from '../nerf/architectures';
import type { ZooFit } from './fit-job';

export interface ZooFitSetting {
  /** Multiplies the zoo's step count (`--steps`). @default 1 */
  readonly stepScale?: number;
  /** Peak learning rate. @default ZOO_LR */
  readonly lr?: number;
}

/** The zoo's learning rate where an architecture sets none. */
export const ZOO_LR = 1e-2;

/** Zoo steps of 300 at 1e-2 leave mlp-L2 (a shallower MLP) underfitted: median 27.4 dB. */
export const ZOO_FIT_SETTINGS: Readonly<Record<string, ZooFitSetting>> = Object.freeze({
  'mlp-L2': { stepScale: 2, lr: 2e-2 },
});

/** Steps and learning rate of `architecture` in a zoo of `steps` steps. */
export function zooFitSetting(architecture: string, steps: number): { steps: number; lr: number } {
  const setting = Object.hasOwn(ZOO_FIT_SETTINGS, architecture) ? ZOO_FIT_SETTINGS[architecture]! : {};
  return { steps: Math.round(steps * (setting.stepScale ?? 1)), lr: setting.lr ?? ZOO_LR };
}

/** A fit below this PSNR has collapsed (an unlucky init more often than a hard shape): generation fits it again from another init. */
export const COLLAPSED_BELOW_DB = 20;

/**
 * Steps of the second fit of a collapsed `architecture` fit in a zoo of `steps` steps: a training
 * architecture's refit fits twice its steps (display-000031 in mlp-train: 17.4 dB at 300 steps
 * from either init, 31.7 dB at 600); an unseen variant's its own steps, as recorded in the default
 * zoo.
 */
export function refitSteps(architecture: string, steps: number): number {
  const own = zooFitSetting(architecture, steps).steps;
  return isTrainingArchitecture(architecture) ? 2 * own : own;
}

/** Init seed of attempt `attempt` at a batch whose first object has `seed`; attempt 0 is `seed` itself. */
export function attemptSeed(seed: number, attempt: number): number {
  return seed + attempt * 1_000_003;
}

/** Does a fit of PSNR `challenger` replace one of PSNR `incumbent`? Only when strictly better; NaN never wins. */
export function beats(challenger: number, incumbent: number): boolean {
  return Number.isNaN(incumbent) ? !Number.isNaN(challenger) : challenger > incumbent;
}

/** The better of two fits by PSNR (`beats`); a tie keeps the incumbent. */
export function betterFit<T extends { readonly psnr: number }>(incumbent: T, challenger: T): T {
  return beats(challenger.psnr, incumbent.psnr) ? challenger : incumbent;
}

export interface RefitOptions {
  /** Architectures whose recorded fits are discarded and fitted again. */
  readonly refitArchitectures?: readonly string[];
  /** Recorded fits of unseen variants below this PSNR (dB) are fitted again, the better kept. */
  readonly refitBelow?: number;
  /**
   * Recorded fits of the training architectures below this PSNR (dB) are fitted again, the better
   * kept: a collapsed fit is not the object, whether the encoder trains on it or is tested on it.
   */
  readonly refitTrainingBelow?: number;
}

export interface RefitSelection {
  /** Fits to discard: fitted again as if never done. */
  readonly redo: ZooFit[];
  /** Fits to challenge: fitted again, and replaced only by a better fit. */
  readonly improve: ZooFit[];
}

/**
 * Which recorded fits a run fits again. `refitArchitectures` redoes every fit of those
 * architectures; `refitBelow` challenges the other fits below it, of unseen variants only;
 * `refitTrainingBelow` the training architectures' fits below it.
 */
export function selectRefits(recorded: readonly ZooFit[], options: RefitOptions): RefitSelection {
  const redoArchitectures = new Set(options.refitArchitectures ?? []);
  const below = options.refitBelow;
  if (below !== undefined && Number.isNaN(below)) throw new RangeError(`refitBelow must be a number of dB, got ${below}`);
  const trainingBelow = options.refitTrainingBelow;
  if (trainingBelow !== undefined && Number.isNaN(trainingBelow)) throw new RangeError(`refitTrainingBelow must be a number of dB, got ${trainingBelow}`);
  const redo: ZooFit[] = [];
  const improve: ZooFit[] = [];
  for (const fit of recorded) {
    const threshold = isTrainingArchitecture(fit.architecture) ? trainingBelow : below;
    if (redoArchitectures.has(fit.architecture)) redo.push(fit);
    else if (threshold !== undefined && !(fit.psnr >= threshold)) improve.push(fit);
  }
  return { redo, improve };
}
