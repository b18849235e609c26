/** Base class of the errors the CDK app raises while building stacks from a configuration. */
export class InfraError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InfraError';
  }
}

/** The member template does not fit into a StackSet's inline template body. */
export class MemberTemplateTooLargeError extends InfraError {
  constructor(
    readonly bytes: number,
    readonly limitBytes: number,
    what = 'the member template',
    hint = 'list fewer vaults under watchedVaults (each adds two alarms) or restrict them to accounts/regions',
  ) {
    super(`${what} is ${bytes} bytes, over CloudFormation's ${limitBytes}-byte inline template limit; ${hint}`);
    this.name = 'MemberTemplateTooLargeError';
  }
}
