/**
 * Fine-tuning and settings end to end in real Chromium (serve mode, the renderer built from
 * source, the real API): with a tiny model installed as the shipped encoder (tests/app/tiny-model.ts),
 * a fine-tuning run of a few steps starts from the Fine-tune view, draws its losses, shows its
 * progress and is cancelled from the page; the Settings view lists the devices and the model in use.
 */

import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppLibrary } from '../../src/main/app/app-library';
import type { RunningServer } from '../../src/main/server/serve';
import type { Api } from '../../src/shared/api';
import { libraryFixture } from '../app/library-fixture';
import { writeTinyModel } from '../app/tiny-model';
import { type ServedApp, recordingPage, screenshot, serveApp } from './harness';

/** The machine is slow and shared; waits are generous, and end as soon as the page is there. */
const WAIT = { timeout: 120_000, interval: 250 };
/** A run measures the model on 117 demo NeRFs before its first step, and each early step renders targets: minutes on a busy machine. */
const TRAINING_WAIT = { timeout: 420_000, interval: 500 };

const fixture = libraryFixture();
let served: ServedApp | undefined;
let server: RunningServer;
let browser: Browser;
let app: AppLibrary;
let api: Api;
let shippedVersion: string;

beforeAll(async () => {
  shippedVersion = (await writeTinyModel(path.dirname(fixture.encoderPath))).version;
  app = await fixture.open();
  await app.jobs.idle();
  await app.embeddingIdle();
  served = await serveApp(app);
  ({ api, server, browser } = served);
}, 600_000);

afterAll(async () => {
  await served?.close();
  await app?.close();
  await fixture.remove();
});

describe('fine-tuning in Chromium', () => {
  it('starts a run of a few steps from the Fine-tune view, shows its progress and losses, and cancels it', async () => {
    const { page, errors } = await recordingPage(browser, server.url, { responses: false });
    await page.getByRole('button', { name: 'Fine-tune' }).click();
    const view = page.getByRole('region', { name: 'Fine-tune' });
    // Every provider is listed; those that cannot start say why and cannot be picked.
    await expect.poll(() => view.locator('.device').count(), WAIT).toBe(6);
    expect(await view.locator('.device[data-available="false"] input').first().isDisabled()).toBe(true);
    expect((await view.locator('.device[data-available="false"] .reason').first().textContent())?.length).toBeGreaterThan(0);
    await view.locator('input[name="device"][value="cpu"]').check();
    await view.locator('input[name="steps"]').fill('400');
    await view.getByRole('button', { name: 'Start fine-tuning' }).click();

    const run = view.locator('.run');
    await expect.poll(() => run.getAttribute('data-state'), WAIT).toBe('running');
    // Progress: steps go by, the chart gets their losses, an ETA appears.
    await expect.poll(async () => Number(await view.locator('.loss-chart').getAttribute('data-points')), TRAINING_WAIT).toBeGreaterThanOrEqual(2);
    expect(await run.locator('.steps').textContent()).toMatch(/^step [1-9]\d* \/ 400$/);
    await expect.poll(() => run.locator('.eta').count(), WAIT).toBe(1);
    expect(await view.locator('.metrics .old').count()).toBe(3);
    await screenshot(page, 'app-fine-tune');

    await run.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => run.getAttribute('data-state'), WAIT).toBe('cancelled');
    const id = Number(await run.getAttribute('data-run-id'));
    const status = await api.fineTuneStatus(id, 0);
    expect(status.state).toBe('cancelled');
    expect(status.step).toBeGreaterThanOrEqual(2);
    expect(status.step).toBeLessThan(400);
    expect(await view.getByRole('button', { name: 'Keep the new model' }).count()).toBe(0);
    await view.getByRole('button', { name: 'Discard' }).click();
    await expect.poll(() => run.getAttribute('data-state'), WAIT).toBe('discarded');
    expect(errors).toEqual([]);
    await page.close();
  }, 900_000);

  it('shows the model in use, the devices and the watched folders in Settings', async () => {
    const { page, errors } = await recordingPage(browser, server.url, { responses: false });
    await page.getByRole('button', { name: 'Settings' }).click();
    const view = page.getByRole('region', { name: 'Settings' });
    const row = view.locator(`tr[data-version="${shippedVersion}"]`);
    await expect.poll(() => row.getAttribute('data-active'), WAIT).toBe('true');
    expect(await row.textContent()).toContain('in use');
    expect(await view.locator('select[name="device"] option').count()).toBe(6);
    await view.locator('input[name="watched-folder"]').fill('relative/folder');
    await view.getByRole('button', { name: 'Add folder' }).click();
    await expect.poll(() => view.getByRole('alert').textContent(), WAIT).toContain('must be an absolute path');
    await screenshot(page, 'app-settings');
    // The refused folder is the one failed call (400, the caller's to fix); nothing else may fail.
    expect(errors).toEqual(['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
    await page.close();
  }, 120_000);
});
