/** Errors of the container entry points; each becomes an exit code at the process edge. */
import { WORKER_EXIT_CODES } from '../core/deployment/contract.js';

/** Base class of worker errors. */
export class WorkerError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = WORKER_EXIT_CODES.failed,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The job's environment or arguments are missing or wrong: nothing was started. */
export class WorkerConfigError extends WorkerError {
  constructor(
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`invalid job configuration: ${problems.join('; ')}`, WORKER_EXIT_CODES.badConfiguration, options);
  }
}
