import { createContext, runInContext } from 'node:vm';

/** One `client.send(new XCommand(input))` made by the handler under test. */
export interface SdkCall {
  /** The module the client came from, e.g. `@aws-sdk/client-backup`. */
  readonly module: string;
  /** The command's class name without `Command`, e.g. `DescribeBackupVault`. */
  readonly command: string;
  readonly input: Record<string, unknown>;
}

/** What the handler PUT to CloudFormation's pre-signed response URL. */
export interface CloudFormationResponse {
  readonly hostname: string;
  readonly path: string;
  readonly method: string;
  readonly body: Record<string, unknown>;
}

export interface InlineHandlerOptions {
  /** Answers every SDK call: return the command's output, or throw the service's error. @default `{}` */
  readonly send?: (call: SdkCall) => unknown;
  /** The function's environment variables. @default none */
  readonly env?: Readonly<Record<string, string>>;
}

export interface InlineHandler {
  /** Invokes `exports.handler` with a Lambda-like context. */
  readonly invoke: (event: unknown) => Promise<unknown>;
  readonly calls: SdkCall[];
  readonly responses: CloudFormationResponse[];
  readonly logs: string[];
}

/** An error as the AWS SDK v3 throws it: matched by `name`. */
export function serviceError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name });
}

/**
 * Runs the source of an inline (`Code.fromInline`) Lambda function as the Node.js runtime would load
 * `index.js`: a CommonJS module in a fresh context. `require` gives fake `@aws-sdk/client-*` modules,
 * whose clients record each command and answer through `options.send`, and a fake `node:https` that
 * records the CloudFormation response instead of sending it. Everything else is refused, so a handler
 * that needs more than the runtime ships fails here. Recorded values are copied into this realm.
 */
export function loadInlineHandler(source: string, options: InlineHandlerOptions = {}): InlineHandler {
  const calls: SdkCall[] = [];
  const responses: CloudFormationResponse[] = [];
  const logs: string[] = [];
  const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value ?? null)) as T;

  const sdkModule = (module: string) =>
    new Proxy(
      {},
      {
        get(_target, name) {
          if (typeof name !== 'string') return undefined;
          if (name.endsWith('Command')) {
            const command = name.slice(0, -'Command'.length);
            return class {
              readonly command = command;
              constructor(readonly input: Record<string, unknown>) {}
            };
          }
          if (name.endsWith('Client')) {
            return class {
              async send(command: { command: string; input: Record<string, unknown> }): Promise<unknown> {
                const call: SdkCall = { module, command: command.command, input: copy(command.input) };
                calls.push(call);
                return options.send ? options.send(call) : {};
              }
            };
          }
          return undefined;
        },
      },
    );

  const https = {
    request(
      request: { hostname: string; path: string; method: string },
      onResponse: (res: { resume: () => void; on: (event: string, listener: () => void) => unknown }) => void,
    ) {
      return {
        on: () => undefined,
        end(text: string) {
          responses.push({
            hostname: request.hostname,
            path: request.path,
            method: request.method,
            body: JSON.parse(text) as Record<string, unknown>,
          });
          const res = {
            statusCode: 200,
            resume: () => undefined,
            on(event: string, listener: () => void) {
              if (event === 'end') setImmediate(listener);
              return res;
            },
          };
          onResponse(res);
        },
      };
    },
  };

  const fakeRequire = (id: string): unknown => {
    if (id === 'node:https' || id === 'https') return https;
    if (id.startsWith('@aws-sdk/client-')) return sdkModule(id);
    throw new Error(`inline handler requires ${id}, which the harness (and maybe the runtime) does not provide`);
  };
  const log = (...args: unknown[]) => {
    logs.push(args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : String(a))).join(' '));
  };
  const module = { exports: {} as Record<string, unknown> };
  const context = createContext({
    console: { log, info: log, warn: log, error: log },
    process: { env: { ...options.env } },
    URL,
    Buffer,
    setTimeout,
    setImmediate,
  });
  const load = runInContext(`(function (exports, require, module) {${source}\n})`, context, {
    filename: 'index.js',
  }) as (exports: unknown, require: (id: string) => unknown, module: unknown) => void;
  load(module.exports, fakeRequire, module);
  const handler = module.exports.handler as (event: unknown, context: unknown) => Promise<unknown>;
  if (typeof handler !== 'function') throw new Error('inline handler source does not export a handler function');

  return {
    invoke: (event) => handler(copy(event), { logStreamName: '2026/01/01/[$LATEST]test', functionName: 'test' }),
    calls,
    responses,
    logs,
  };
}
