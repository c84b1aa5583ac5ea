/**
 * Entry of worker threads that know the test-only format: the app's entry, after registering it.
 * A registry line reaches every thread that loads the registry; a test's registration reaches
 * only its own thread, so the workers make theirs here.
 */
import './testnerf-format';
import '../../src/main/app/worker-entry';
