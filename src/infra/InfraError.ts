/** Base class of the errors the CDK app raises while building stacks from a configuration. */
export class InfraError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InfraError';
  }
}

/** A StackSet's template does not fit into its template body (inline) or TemplateURL object. */
export class MemberTemplateTooLargeError extends InfraError {
  constructor(
    readonly bytes: number,
    readonly limitBytes: number,
    what = 'the member template',
    hint = 'list fewer vaults under watchedVaults (each adds two alarms) or restrict them to accounts/regions',
    how = 'inline',
  ) {
    super(`${what} is ${bytes} bytes, over CloudFormation's ${limitBytes}-byte ${how} template limit; ${hint}`);
    this.name = 'MemberTemplateTooLargeError';
  }
}
