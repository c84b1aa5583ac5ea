/** Errors of the library (catalogue) layer; each message names the library file it concerns. */

/** Base of the library's own errors: `file` is the database (or index) file concerned. */
export class LibraryError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'LibraryError';
  }
}

/** The database was written by a newer nerfdex (its schema version is above the one this build knows). */
export class LibraryVersionError extends LibraryError {
  constructor(
    file: string,
    /** `PRAGMA user_version` found in the file. */
    readonly found: number,
    /** The newest schema version this build can read. */
    readonly supported: number,
  ) {
    super(file, `the library has schema version ${found}, newer than version ${supported} that this nerfdex knows; open it with a newer nerfdex`);
    this.name = 'LibraryVersionError';
  }
}

/** The file is an SQLite database, but not a nerfdex library (another application's, or a foreign schema). */
export class NotALibraryError extends LibraryError {
  constructor(file: string, reason: string) {
    super(file, `not a nerfdex library (${reason})`);
    this.name = 'NotALibraryError';
  }
}

/** A migration step failed; the database was left at `from`, untouched. */
export class MigrationError extends LibraryError {
  constructor(
    file: string,
    readonly from: number,
    readonly step: number,
    cause: unknown,
  ) {
    super(file, `migration to schema version ${step} failed, the library stays at version ${from}: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'MigrationError';
    this.cause = cause;
  }
}

/** A call named an asset, collection, model or job that the library does not hold. */
export class NotFoundError extends Error {
  constructor(
    readonly what: 'asset' | 'collection' | 'model' | 'job' | 'file',
    readonly key: string | number,
  ) {
    super(`no ${what} ${typeof key === 'string' ? `"${key}"` : key} in the library`);
    this.name = 'NotFoundError';
  }
}

/**
 * A call whose arguments are well formed but cannot be honoured (a relative path, a folder that
 * does not exist): the caller's to fix, as serve mode answers with 400. A `RangeError`, so callers
 * that check for one keep working.
 */
export class InvalidRequestError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRequestError';
  }
}
