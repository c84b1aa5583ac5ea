/**
 * Learning-rate schedules, as pure functions of the step index (0-based) and the step count.
 */

/** A learning-rate schedule as the training loop takes it. */
export interface LearningRateSchedule {
  kind: 'constant' | 'cosine' | 'one-cycle';
  /** Base (constant), starting (cosine) or peak (one-cycle) learning rate. */
  lr: number;
  /** One-cycle only: fraction of the steps spent warming up. @default 0.3 */
  warmup?: number;
  /** Constant and cosine: steps of a linear warm-up from lr / warmupSteps to the schedule's rate. @default 0 */
  warmupSteps?: number;
  /**
   * Cosine only: decay to `floor * lr` instead of 0, after a linear warm-up over the first
   * `warmupFraction` of the steps ({@link cosineToFloorLr}, how NeRFs are fitted). @default 0 (decay to 0)
   */
  floor?: number;
  /** Cosine with a floor: fraction of the steps spent warming up. @default 0 */
  warmupFraction?: number;
}

/** A schedule as a training run takes it: possibly one part of a longer run. */
export interface TrainSchedule extends LearningRateSchedule {
  /** Steps the schedule spans, for a run split over several calls. @default the steps of this call plus `offset` */
  totalSteps?: number;
  /** Schedule position of this call's first step (steps done by earlier calls). @default 0 */
  offset?: number;
}

/** `rate` scaled by a linear warm-up over the first `steps` steps. */
function warmedUp(rate: number, step: number, steps: number | undefined): number {
  if (steps === undefined || steps === 0) return rate;
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`schedule: warmupSteps must be an integer >= 0, got ${steps}`);
  return step < steps ? (rate * (step + 1)) / steps : rate;
}

/** Cosine interpolation from `start` (pct = 0) to `end` (pct = 1). */
function cosineBetween(start: number, end: number, pct: number): number {
  return end + ((start - end) / 2) * (1 + Math.cos(Math.PI * pct));
}

function checkStep(step: number, total: number): void {
  if (!Number.isInteger(total) || total < 1) throw new RangeError(`schedule: total steps must be an integer >= 1, got ${total}`);
  if (!Number.isInteger(step) || step < 0 || step >= total) throw new RangeError(`schedule: step must be an integer in [0, ${total}), got ${step}`);
}

function checkLr(lr: number): void {
  if (!Number.isFinite(lr) || lr < 0) throw new RangeError(`schedule: lr must be a finite number >= 0, got ${lr}`);
}

/** The same `lr` at every step. */
export function constantLr(lr: number, step: number, total: number): number {
  checkLr(lr);
  checkStep(step, total);
  return lr;
}

/**
 * Cosine decay from `lr` towards 0: lr * (1 + cos(pi * step / total)) / 2. Step 0 gets `lr`; the
 * last step gets a small positive rate, so no step is wasted at exactly 0.
 */
export function cosineLr(lr: number, step: number, total: number): number {
  checkLr(lr);
  checkStep(step, total);
  return cosineBetween(lr, 0, step / total);
}

/**
 * Cosine decay from `lr` to `floor * lr`, scaled by a linear warm-up over the first
 * `warmupFraction * total` steps: lr * min(1, (step + 1) / max(1, total * warmupFraction)) *
 * (floor + (1 - floor) (1 + cos(pi * step / total)) / 2).
 */
export function cosineToFloorLr(lr: number, step: number, total: number, floor: number, warmupFraction = 0): number {
  checkLr(lr);
  checkStep(step, total);
  if (!(floor >= 0 && floor <= 1)) throw new RangeError(`schedule: cosine floor must be in [0, 1], got ${floor}`);
  if (!(warmupFraction >= 0 && warmupFraction < 1)) throw new RangeError(`schedule: warmupFraction must be in [0, 1), got ${warmupFraction}`);
  const warm = Math.min(1, (step + 1) / Math.max(1, total * warmupFraction));
  return lr * warm * (floor + (1 - floor) * 0.5 * (1 + Math.cos((Math.PI * step) / total)));
}

/**
 * One-cycle: cosine warm-up from lr/25 to `lr` over the first `warmup` fraction of the steps, then
 * cosine decay to lr/1e4 at the last step (PyTorch's OneCycleLR with cosine annealing).
 * @param warmup fraction of steps spent warming up, in (0, 1). @default 0.3
 */
export function oneCycleLr(lr: number, step: number, total: number, warmup = 0.3): number {
  checkLr(lr);
  checkStep(step, total);
  if (!(warmup > 0 && warmup < 1)) throw new RangeError(`schedule: one-cycle warmup must be in (0, 1), got ${warmup}`);
  const initial = lr / 25;
  const final = lr / 1e4;
  if (total === 1) return lr;
  const peak = Math.min(Math.max(warmup * total - 1, 0), total - 1);
  if (step <= peak) return peak === 0 ? lr : cosineBetween(initial, lr, step / peak);
  return cosineBetween(lr, final, (step - peak) / (total - 1 - peak));
}

/** The learning rate of `schedule` at `step` of `total`. */
export function learningRateAt(schedule: LearningRateSchedule, step: number, total: number): number {
  switch (schedule.kind) {
    case 'constant':
      return warmedUp(constantLr(schedule.lr, step, total), step, schedule.warmupSteps);
    case 'cosine':
      if (schedule.floor !== undefined || schedule.warmupFraction !== undefined) return cosineToFloorLr(schedule.lr, step, total, schedule.floor ?? 0, schedule.warmupFraction ?? 0);
      return warmedUp(cosineLr(schedule.lr, step, total), step, schedule.warmupSteps);
    case 'one-cycle':
      return oneCycleLr(schedule.lr, step, total, schedule.warmup ?? 0.3);
    default:
      throw new TypeError(`schedule: unknown kind "${String((schedule as { kind: unknown }).kind)}" (valid: constant, cosine, one-cycle)`);
  }
}
