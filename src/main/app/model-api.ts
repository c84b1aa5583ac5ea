/**
 * The fine-tuning, model-version and settings half of the API contract, over an open
 * `AppLibrary`.
 */

import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Api } from '../../shared/api';
import { PROVIDER_NAMES, type ProviderRequest } from '../../shared/compute';
import type { AppSettings, AppSettingsPatch, DeviceInfo, FineTuneRequest, FineTuneStatus, ModelVersionInfo } from '../../shared/models';
import { chooseProvider } from '../compute/providers';
import { NotFoundError } from '../library/errors';
import { readEncoderInfo } from '../library/import/importer';
import type { AppLibrary } from './app-library';
import { readFineTuneRecord } from './fine-tune-records';
import { DEVICE_SETTING, THREADS_SETTING } from './settings-keys';

/** The methods of `Api` this module answers. */
export type ModelApi = Pick<
  Api,
  'listDevices' | 'startFineTune' | 'fineTuneStatus' | 'listFineTunes' | 'cancelFineTune' | 'keepFineTuned' | 'discardFineTuned' | 'listModels' | 'useModel' | 'deleteModel' | 'getSettings' | 'setSettings'
>;

/** Every provider nerfdex knows, each tried alone (the answers are cached for the process). */
export async function listDevices(): Promise<DeviceInfo[]> {
  return Promise.all(
    PROVIDER_NAMES.map(async (name): Promise<DeviceInfo> => {
      try {
        const choice = await chooseProvider(name);
        return { name, available: true, reason: choice.attempts[0]?.reason ?? choice.reason };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return { name, available: false, reason: message.replace(/^execution provider '\w+' cannot start: /, '') };
      }
    }),
  );
}

interface ModelFolder {
  readonly version: string;
  readonly encoderPath: string;
  readonly source: 'shipped' | 'fine-tuned';
  readonly created: string | null;
}

/** The shipped encoder (when installed and usable) and every usable fine-tuned one in the models folder. */
async function modelFolders(app: AppLibrary): Promise<ModelFolder[]> {
  const out: ModelFolder[] = [];
  // An encoder of a retired recipe is left out (AppLibrary logs it once).
  if (existsSync(app.shippedEncoderPath) && app.unusableEncoderReason(app.shippedEncoderPath) === undefined) {
    const info = await readEncoderInfo(app.shippedEncoderPath);
    out.push({ version: info.version, encoderPath: app.shippedEncoderPath, source: 'shipped', created: info.created ?? null });
  }
  const entries = existsSync(app.modelsDir) ? await readdir(app.modelsDir, { withFileTypes: true }) : [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const encoderPath = path.join(app.modelsDir, entry.name, 'encoder.onnx');
    if (!existsSync(encoderPath) || app.unusableEncoderReason(encoderPath) !== undefined) continue;
    const info = await readEncoderInfo(encoderPath).catch(() => undefined);
    if (info && !out.some((m) => m.version === info.version)) out.push({ version: info.version, encoderPath, source: 'fine-tuned', created: info.created ?? null });
  }
  return out;
}

async function listModels(app: AppLibrary): Promise<ModelVersionInfo[]> {
  const folders = await modelFolders(app);
  const selected = app.encoderInstalled() ? (await readEncoderInfo(app.encoderPath)).version : null;
  const active = app.library.activeModel()?.version ?? null;
  const registered = new Set(app.library.models().map((m) => m.version));
  const assets = app.library.listAssets({ limit: 0 }).total;
  return Promise.all(
    folders.map(async (m): Promise<ModelVersionInfo> => {
      const record = m.source === 'fine-tuned' ? await readFineTuneRecord(path.dirname(m.encoderPath)) : undefined;
      return {
        version: m.version,
        source: m.source,
        selected: m.version === selected,
        active: m.version === active,
        embedded: registered.has(m.version) ? app.library.modelCoverage(m.version).embedded : 0,
        assets,
        created: m.created,
        metrics: record?.after ?? null,
        pendingFineTune: m.source === 'fine-tuned' ? app.fineTunes.pendingIn(path.dirname(m.encoderPath)) : null,
      };
    }),
  );
}

function settingsOf(app: AppLibrary): AppSettings {
  return {
    watchedFolders: app.watched.list(),
    device: app.library.getSetting<ProviderRequest>(DEVICE_SETTING) ?? 'auto',
    threads: app.library.getSetting<number>(THREADS_SETTING) ?? 0,
  };
}

/** Builds the methods over `open()`, which opens the library on first use. */
export function createModelApi(open: () => Promise<AppLibrary>): ModelApi {
  return {
    listDevices,

    async startFineTune(request: FineTuneRequest): Promise<FineTuneStatus> {
      return (await open()).fineTunes.start(request);
    },

    async fineTuneStatus(id: number, fromStep: number): Promise<FineTuneStatus> {
      return (await open()).fineTunes.status(id, fromStep);
    },

    async listFineTunes(): Promise<FineTuneStatus[]> {
      return (await open()).fineTunes.list();
    },

    async cancelFineTune(id: number): Promise<FineTuneStatus> {
      return (await open()).fineTunes.cancel(id);
    },

    async keepFineTuned(id: number): Promise<FineTuneStatus> {
      return (await open()).fineTunes.keep(id);
    },

    async discardFineTuned(id: number): Promise<FineTuneStatus> {
      return (await open()).fineTunes.discard(id);
    },

    async listModels(): Promise<ModelVersionInfo[]> {
      return listModels(await open());
    },

    async useModel(version: string): Promise<ModelVersionInfo[]> {
      const app = await open();
      const model = (await modelFolders(app)).find((m) => m.version === version);
      if (!model) throw new NotFoundError('model', version);
      await app.selectEncoder(model.source === 'shipped' ? null : model.encoderPath);
      if (model.source === 'fine-tuned') app.fineTunes.markKept(path.dirname(model.encoderPath));
      return listModels(app);
    },

    async deleteModel(version: string): Promise<ModelVersionInfo[]> {
      const app = await open();
      const model = (await modelFolders(app)).find((m) => m.version === version);
      if (!model) throw new NotFoundError('model', version);
      if (model.source === 'shipped') throw new RangeError(`model ${version} is the shipped encoder; only fine-tuned versions can be deleted`);
      const folder = path.dirname(model.encoderPath);
      if (path.resolve(app.encoderPath) === path.resolve(model.encoderPath)) throw new RangeError(`model ${version} is the encoder in use; use another one first`);
      if (app.fineTunes.pendingIn(folder) !== null) throw new RangeError(`model ${version} is the candidate of fine-tuning run ${app.fineTunes.pendingIn(folder)}; keep or discard it there`);
      // Search may still answer with it while the selected version re-embeds: then it stays until that switch.
      if (app.library.models().some((m) => m.version === version)) await app.library.dropModel(version);
      await rm(folder, { recursive: true, force: true });
      return listModels(app);
    },

    async getSettings(): Promise<AppSettings> {
      return settingsOf(await open());
    },

    async setSettings(patch: AppSettingsPatch): Promise<AppSettings> {
      const app = await open();
      const threads = patch.threads ?? app.library.getSetting<number>(THREADS_SETTING) ?? 0;
      // A device that cannot start is refused with why, before anything is stored.
      if (patch.device !== undefined) await chooseProvider(patch.device, { threads });
      if (patch.removeWatchedFolder !== undefined) await app.watched.remove(patch.removeWatchedFolder);
      if (patch.addWatchedFolder !== undefined) await app.watched.add(patch.addWatchedFolder);
      if (patch.device !== undefined) app.library.setSetting(DEVICE_SETTING, patch.device);
      if (patch.threads !== undefined) app.library.setSetting(THREADS_SETTING, patch.threads);
      return settingsOf(app);
    },
  };
}
