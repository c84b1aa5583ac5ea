/** Entry of the app's worker threads: serves every job kind of the registry. */
import { serveJobs } from '../compute/worker-runtime';
import { JOBS } from './job-registry';

serveJobs(JOBS);
