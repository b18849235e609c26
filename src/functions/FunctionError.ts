/** Base error of the Lambda handlers. */
export class FunctionError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'FunctionError';
  }
}

/** A required environment variable is missing or empty: the function cannot start. */
export class MissingEnvironmentError extends FunctionError {
  constructor(readonly variable: string) {
    super(`environment variable ${variable} is not set: the function's deployment is incomplete`);
    this.name = 'MissingEnvironmentError';
  }
}

/** An environment variable is set but its value is unusable. */
export class InvalidEnvironmentError extends FunctionError {
  constructor(
    readonly variable: string,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(`environment variable ${variable} ${problem}`, options);
    this.name = 'InvalidEnvironmentError';
  }
}
