/**
 * Errors of the configuration layer. Each keeps what a caller needs to explain itself
 * (the list of problems, the measured size) and the `cause` when there is one.
 */
import { type ConfigProblem, formatConfigProblem } from './configProblem.js';

/** Base class of every configuration error. */
export class ConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** The configuration file has problems; `problems` lists all of them. */
export class InvalidConfigError extends ConfigError {
  constructor(
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    const lines = problems.map((p) => `  ${formatConfigProblem(p, source)}`);
    super(`${source} has ${problems.length} problem(s):\n${lines.join('\n')}`);
    this.name = 'InvalidConfigError';
  }
}

/** The runtime settings passed to a Lambda function could not be read. */
export class RuntimeSettingsError extends ConfigError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RuntimeSettingsError';
  }
}

/** The runtime settings do not fit into the Lambda environment. */
export class RuntimeSettingsTooLargeError extends ConfigError {
  constructor(
    message: string,
    readonly bytes: number,
    readonly limitBytes: number,
  ) {
    super(message);
    this.name = 'RuntimeSettingsTooLargeError';
  }
}
