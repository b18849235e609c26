/** An error as structured log fields: name, message and the chain of causes (never the stack of secrets). */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  return {
    name: error.name,
    message: error.message,
    ...(error.cause !== undefined ? { cause: describeError(error.cause) } : {}),
  };
}
