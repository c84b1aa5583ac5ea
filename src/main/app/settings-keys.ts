/** Keys of the app's own settings in the library's settings table. */

/** The encoder the user chose (absent or null: the shipped one). */
export const ENCODER_SETTING = 'app.encoderPath';
/** The compute device (`auto` or a provider name) for fine-tuning, and for imports from the next start. */
export const DEVICE_SETTING = 'app.device';
/** Intra-op threads of CPU sessions (0: ONNX Runtime's default). */
export const THREADS_SETTING = 'app.threads';
