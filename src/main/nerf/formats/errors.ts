/** One error class per NeRF file format; each message names the file and quotes the bad value. */

/** Base of every NeRF file error: `file` is the path (or source name), `reason` what was wrong. */
export class NerfFileError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly format: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'NerfFileError';
  }
}

/** A native `.nerf.safetensors` file that cannot be read. */
export class NativeNerfError extends NerfFileError {
  constructor(file: string, reason: string) {
    super(file, reason, 'native');
    this.name = 'NativeNerfError';
  }
}

/** A file no registered format recognises. */
export class UnknownFormatError extends NerfFileError {
  constructor(file: string, reason: string) {
    super(file, reason, 'unknown');
    this.name = 'UnknownFormatError';
  }
}

/** A nerfstudio checkpoint (torch.save zip + pickle, config.yml) that cannot be read. */
export class NerfstudioError extends NerfFileError {
  constructor(file: string, reason: string) {
    super(file, reason, 'nerfstudio');
    this.name = 'NerfstudioError';
  }
}

/** A checkpoint whose pickle names a global outside the allow-list: refused, never resolved. */
export class DisallowedGlobalError extends NerfstudioError {
  constructor(
    file: string,
    readonly global: string,
    reason: string,
  ) {
    super(file, reason);
    this.name = 'DisallowedGlobalError';
  }
}
