import { describe, expect, it } from 'vitest';
import { ARCHITECTURES, TRAINING_ARCHITECTURES, isTrainingArchitecture } from '../../src/main/nerf/architectures';
import type { ZooFit } from '../../src/main/zoo/fit-job';
import { ZOO_FIT_SETTINGS, ZOO_LR, attemptSeed, beats, betterFit, refitSteps, selectRefits, zooFitSetting } from '../../src/main/zoo/fit-settings';

const fit = (id: string, architecture: string, psnr: number): ZooFit => ({ id, architecture, file: `${id}.${architecture}.nerf.safetensors`, psnr, loss: 0.01 });

describe('zoo fit settings', () => {
  it('leaves the training architectures at the zoo steps and learning rate, a collapsed fit refitted at twice the steps', () => {
    for (const id of TRAINING_ARCHITECTURES) {
      expect(zooFitSetting(id, 300)).toEqual({ steps: 300, lr: ZOO_LR });
      expect(zooFitSetting(id, 400)).toEqual({ steps: 400, lr: ZOO_LR });
      expect(refitSteps(id, 300)).toBe(600);
    }
  });

  it('sets only unseen variants, scaling the zoo steps', () => {
    for (const id of Object.keys(ZOO_FIT_SETTINGS)) {
      expect(Object.keys(ARCHITECTURES)).toContain(id);
      expect(isTrainingArchitecture(id)).toBe(false);
    }
    expect(zooFitSetting('mlp-L2', 300)).toEqual({ steps: 600, lr: 2e-2 });
    expect(zooFitSetting('mlp-L2', 400)).toEqual({ steps: 800, lr: 2e-2 });
    expect(zooFitSetting('hash-L6', 300)).toEqual({ steps: 300, lr: ZOO_LR });
    // An unseen variant's refit fits its own steps.
    expect(refitSteps('mlp-W128', 300)).toBe(300);
    expect(refitSteps('mlp-L2', 300)).toBe(600);
  });

  it('starts attempt 0 from the seed itself and every later attempt from another', () => {
    expect(attemptSeed(37, 0)).toBe(37);
    expect(new Set([0, 1, 2, 3].map((a) => attemptSeed(37, a))).size).toBe(4);
  });

  it('keeps the better fit: a challenger only when strictly better, NaN never winning', () => {
    const old = fit('chair-000001', 'mlp-W128', 14.5);
    expect(betterFit(old, fit('chair-000001', 'mlp-W128', 32.4)).psnr).toBe(32.4);
    expect(betterFit(old, fit('chair-000001', 'mlp-W128', 12))).toBe(old);
    const tie = fit('chair-000001', 'mlp-W128', 14.5);
    expect(betterFit(old, tie)).toBe(old);
    expect(betterFit(old, fit('chair-000001', 'mlp-W128', NaN))).toBe(old);
    expect(betterFit(fit('chair-000001', 'mlp-W128', NaN), old)).toBe(old);
    expect(beats(Infinity, 40)).toBe(true);
    expect(beats(NaN, NaN)).toBe(false);
  });

  it('selects whole architectures to redo and weak unseen-variant fits to challenge', () => {
    const recorded = [
      fit('chair-000000', 'mlp-train', 17.3),
      fit('chair-000000', 'mlp-L2', 27.0),
      fit('chair-000000', 'mlp-W128', 14.5),
      fit('chair-000000', 'hash-T10', 19.9),
      fit('chair-000000', 'hash-L6', 20.0),
      fit('chair-000000', 'triplane-R16', NaN),
    ];
    const below = selectRefits(recorded, { refitBelow: 20 });
    expect(below.redo).toEqual([]);
    // The training fit at 17.3 dB stays: the encoder trains on it. 20.0 is not below 20.
    expect(below.improve.map((f) => f.architecture)).toEqual(['mlp-W128', 'hash-T10', 'triplane-R16']);

    const both = selectRefits(recorded, { refitArchitectures: ['mlp-L2', 'hash-T10'], refitBelow: 20 });
    expect(both.redo.map((f) => f.architecture)).toEqual(['mlp-L2', 'hash-T10']);
    expect(both.improve.map((f) => f.architecture)).toEqual(['mlp-W128', 'triplane-R16']);

    expect(selectRefits(recorded, { refitArchitectures: ['mlp-train'] }).redo).toEqual([recorded[0]]);
    expect(selectRefits(recorded, {})).toEqual({ redo: [], improve: [] });
    expect(() => selectRefits(recorded, { refitBelow: NaN })).toThrow(new RangeError('refitBelow must be a number of dB, got NaN'));
  });

  it('challenges collapsed training-architecture fits only when asked, apart from unseen variants', () => {
    const recorded = [fit('display-000031', 'mlp-train', 17.3), fit('display-000001', 'mlp-train', 16.0), fit('display-000032', 'hash-train', 25.0), fit('display-000031', 'mlp-L2', 19.0)];
    expect(selectRefits(recorded, { refitTrainingBelow: 20 }).improve).toEqual([recorded[0], recorded[1]]);
    expect(selectRefits(recorded, { refitBelow: 20, refitTrainingBelow: 20 }).improve).toEqual([recorded[0], recorded[1], recorded[3]]);
    expect(selectRefits(recorded, { refitBelow: 20 }).improve).toEqual([recorded[3]]);
    expect(() => selectRefits(recorded, { refitTrainingBelow: NaN })).toThrow(/refitTrainingBelow must be a number of dB/);
  });
});
