/**
 * Every job kind of the app, with its input and output types: the composition root's table,
 * which reaches into every layer (compute, zoo, gmn, text, library, app) so that none of them
 * needs to know the others' jobs. Handlers are imported lazily, in the worker that runs them.
 */
import { COMPUTE_JOBS, type ComputeJobs, type JobHandler, type JobTable } from '../compute/jobs';
import type { EmbedFileInput, EmbedFileOutput } from './embed-file-job';
import type { MapLayoutInput, MapLayoutOutput } from './map-layout-job';
import type { MeshExportInput, MeshExportOutput } from './mesh-export-job';
import type { GmnFineTuneInput, GmnFineTuneOutput } from '../gmn/finetune-job';
import type { GmnTrainInput, GmnTrainOutput } from '../gmn/train-job';
import type { ImportBatchJobs } from '../library/import/import-job';
import type { TextTrainInput, TextTrainOutput } from '../text/train-job';
import type { ZooFitJobs } from '../zoo/fit-job';

/** The app's job kinds and their handlers. */
export const JOBS = {
  ...COMPUTE_JOBS,
  'zoo.fit': () => import('../zoo/fit-job').then((m) => m.zooFitJob as JobHandler),
  'gmn.train': () => import('../gmn/train-job').then((m) => m.gmnTrainJob as JobHandler),
  'gmn.finetune': () => import('../gmn/finetune-job').then((m) => m.gmnFineTuneJob as JobHandler),
  'text.train': () => import('../text/train-job').then((m) => m.textTrainJob as JobHandler),
  'library.import-batch': () => import('../library/import/import-job').then((m) => m.importBatchJob as JobHandler),
  'library.map-layout': () => import('./map-layout-job').then((m) => m.mapLayoutJob as JobHandler),
  'library.embed-file': () => import('./embed-file-job').then((m) => m.embedFileJob as JobHandler),
  'library.export-mesh': () => import('./mesh-export-job').then((m) => m.meshExportJob as JobHandler),
} satisfies JobTable;

export type JobKind = keyof typeof JOBS;

/** Input and output of each job kind. */
export interface JobTypes extends ComputeJobs, ZooFitJobs, ImportBatchJobs {
  'gmn.train': { input: GmnTrainInput; output: GmnTrainOutput };
  'gmn.finetune': { input: GmnFineTuneInput; output: GmnFineTuneOutput };
  'library.map-layout': { input: MapLayoutInput; output: MapLayoutOutput };
  'library.embed-file': { input: EmbedFileInput; output: EmbedFileOutput };
  'text.train': { input: TextTrainInput; output: TextTrainOutput };
  'library.export-mesh': { input: MeshExportInput; output: MeshExportOutput };
}
