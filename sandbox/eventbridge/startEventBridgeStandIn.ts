/**
 * A local stand-in for EventBridge PutEvents (service `events`, awsJson1_1), plain node:http. It answers `POST /` with
 * `X-Amz-Target: AWSEvents.PutEvents` and errors as `{"__type": "<Exception>", "message": "…"}`, so the real
 * `@aws-sdk/client-eventbridge` (pointed at `endpoint`, any region and credentials) works against it unchanged —
 * including its exception classes (`error.name`). Signatures are not checked.
 *
 * What it does: records every accepted entry (`events()`), with PutEvents' real limits:
 * - 1–10 entries per request, else the whole request fails with `ValidationException` (400);
 * - the entries' total size (Time 14 bytes when given, plus the UTF-8 bytes of Source, DetailType, Detail and each
 *   Resources entry, as the EventBridge user guide counts it) at most 256 KB, else `ValidationException` (400)
 *   "Total size of the entries in the request is over the limit.";
 * - per entry, answered in `Entries` (HTTP 200, `FailedEntryCount` > 0), not as an exception: a missing Source,
 *   DetailType or Detail → `InvalidArgument`; Detail that is not a JSON object → `MalformedDetail`;
 * - `failNextEntries(n)`: the next n otherwise valid entries fail with `InternalFailure`, as PutEvents' partial
 *   failures do.
 *
 * It does not model rules, targets, archives, event buses (any EventBusName or ARN is accepted; default
 * `default`), global endpoints (`EndpointId`) or other operations (`UnknownOperationException`). See docs/sandbox.md.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { header, listenLocally, readBodyUpTo } from '../http/listenLocally.js';

/** How to start the stand-in. */
export interface EventBridgeStandInOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 0 (the OS chooses) */
  readonly port?: number;
  /** Clock for entries without Time. @default () => new Date() */
  readonly now?: () => Date;
}

/** An event PutEvents accepted. */
export interface RecordedEvent {
  readonly eventId: string;
  readonly source: string;
  readonly detailType: string;
  /** Detail, parsed. */
  readonly detail: unknown;
  readonly eventBusName: string;
  readonly resources: readonly string[];
  readonly time: Date;
}

/** An error to inject: its exception name, HTTP status and message. */
export interface InjectedEventBridgeError {
  readonly type: string;
  readonly status: number;
  readonly message?: string;
}

/** A running stand-in. */
export interface EventBridgeStandIn {
  /** `http://host:port`, for the SDK's `endpoint`. */
  readonly endpoint: string;
  /** Every accepted event, in the order received. */
  events(): readonly RecordedEvent[];
  /** The next `times` (default 1) calls of `operation` ('PutEvents') answer this error. */
  injectError(operation: string, error: InjectedEventBridgeError, times?: number): void;
  /** The next `n` otherwise valid entries fail with ErrorCode `InternalFailure` (partial failure, HTTP 200). */
  failNextEntries(n: number): void;
  close(): Promise<void>;
}

/** PutEvents' limits. */
export const PUT_EVENTS_MAX_ENTRIES = 10;
export const PUT_EVENTS_MAX_TOTAL_BYTES = 256 * 1024;
const TIME_BYTES = 14;
const MAX_BODY = 4 * 1024 * 1024;

class EventsError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface State {
  readonly now: () => Date;
  readonly events: RecordedEvent[];
  readonly injected: Map<string, { error: InjectedEventBridgeError; remaining: number }[]>;
  failEntries: number;
}

/** Starts the EventBridge PutEvents stand-in on 127.0.0.1 (a port the OS chooses unless given). */
export async function startEventBridgeStandIn(options: EventBridgeStandInOptions = {}): Promise<EventBridgeStandIn> {
  const state: State = { now: options.now ?? (() => new Date()), events: [], injected: new Map(), failEntries: 0 };
  const server: Server = createServer((req, res) => {
    void handle(req, res, state);
  });
  const endpoint = await listenLocally(server, options);

  return {
    endpoint,
    events: () => [...state.events],
    injectError: (operation, error, times = 1) => {
      if (!Number.isInteger(times) || times < 1)
        throw new RangeError(`times must be a positive integer, not ${times}.`);
      const queue = state.injected.get(operation) ?? [];
      queue.push({ error, remaining: times });
      state.injected.set(operation, queue);
    },
    failNextEntries: (n) => {
      if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, not ${n}.`);
      state.failEntries += n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, state: State): Promise<void> {
  let status = 200;
  let body: string;
  try {
    const raw = await readBody(req);
    const target = header(req, 'x-amz-target') ?? '';
    if (req.method !== 'POST' || target !== 'AWSEvents.PutEvents') {
      throw new EventsError(
        400,
        'UnknownOperationException',
        `The stand-in does not answer ${target || 'this request'}.`,
      );
    }
    const queue = state.injected.get('PutEvents');
    const fault = queue?.[0];
    if (queue && fault) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) queue.shift();
      throw new EventsError(
        fault.error.status,
        fault.error.type,
        fault.error.message ?? `Injected ${fault.error.type}.`,
      );
    }
    let input: unknown;
    try {
      input = JSON.parse(raw || '{}');
    } catch {
      throw new EventsError(400, 'SerializationException', 'The request body is not JSON.');
    }
    body = JSON.stringify(putEvents(input, state));
  } catch (error) {
    const e = error instanceof EventsError ? error : new EventsError(500, 'InternalException', String(error));
    status = e.status;
    body = JSON.stringify({ __type: e.type, message: e.message });
  }
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': randomUUID() });
  res.end(body);
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const bytes = (value: unknown) => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0);

function putEvents(input: unknown, state: State) {
  const entries = isObject(input) ? input.Entries : undefined;
  if (!Array.isArray(entries)) {
    throw new EventsError(
      400,
      'ValidationException',
      "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
    );
  }
  if (entries.length < 1 || entries.length > PUT_EVENTS_MAX_ENTRIES) {
    const bound = entries.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${PUT_EVENTS_MAX_ENTRIES}`;
    throw new EventsError(
      400,
      'ValidationException',
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${bound}`,
    );
  }
  let total = 0;
  for (const entry of entries) {
    if (!isObject(entry)) continue;
    total += (entry.Time === undefined || entry.Time === null ? 0 : TIME_BYTES) + bytes(entry.Source);
    total += bytes(entry.DetailType) + bytes(entry.Detail);
    if (Array.isArray(entry.Resources)) for (const r of entry.Resources) total += bytes(r);
  }
  if (total > PUT_EVENTS_MAX_TOTAL_BYTES) {
    throw new EventsError(400, 'ValidationException', 'Total size of the entries in the request is over the limit.');
  }

  const results = entries.map((entry) => {
    const problem = validate(entry);
    if (problem) return problem;
    if (state.failEntries > 0) {
      state.failEntries -= 1;
      return { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal Failure' };
    }
    const e = entry as JsonObject;
    const eventId = randomUUID();
    state.events.push({
      eventId,
      source: e.Source as string,
      detailType: e.DetailType as string,
      detail: JSON.parse(e.Detail as string),
      eventBusName: typeof e.EventBusName === 'string' && e.EventBusName !== '' ? e.EventBusName : 'default',
      resources: Array.isArray(e.Resources) ? e.Resources.filter((r): r is string => typeof r === 'string') : [],
      time: typeof e.Time === 'number' ? new Date(e.Time * 1000) : state.now(),
    });
    return { EventId: eventId };
  });
  return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
}

/** The per-entry error PutEvents answers for an entry, if any. */
function validate(entry: Json): { ErrorCode: string; ErrorMessage: string } | undefined {
  if (!isObject(entry)) return { ErrorCode: 'InvalidArgument', ErrorMessage: 'The entry is not an object.' };
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    const value = entry[field];
    if (typeof value !== 'string' || value.trim() === '') {
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
      };
    }
  }
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail as string);
  } catch {
    detail = undefined;
  }
  if (!isObject(detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const body = await readBodyUpTo(req, MAX_BODY);
  if (body === undefined) throw new EventsError(413, 'RequestEntityTooLarge', 'The request body is too large.');
  return body;
}
