/** Errors of native database dumps and their restore. */

/**
 * Base class: `kind` says how a command should end — `failed` (a server unreachable, refused credentials, a tool
 * that failed), `corrupt` (a file is not what the manifest says), `usage` (a location or URL that cannot be used),
 * `exists` (the restore's target database is already there).
 */
export class DumpError extends Error {
  constructor(
    message: string,
    readonly kind: 'failed' | 'corrupt' | 'usage' | 'exists' = 'failed',
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
