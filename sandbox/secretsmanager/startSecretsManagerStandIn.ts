/**
 * A local stand-in for the part of AWS Secrets Manager the dump workflow calls (the temporary DB instance's generated
 * master password), plain node:http, awsJson1_1: `POST /` with `X-Amz-Target: secretsmanager.<Operation>`, errors as
 * `{"__type": "<Exception>", "Message": "…"}`, so the real `@aws-sdk/client-secrets-manager` (endpoint = the stand-in,
 * any region and credentials) works unchanged and raises its exception classes. Signatures are not checked.
 *
 * It answers CreateSecret (SecretString or SecretBinary, Description, KmsKeyId, Tags; ClientRequestToken
 * idempotency), GetSecretValue (by name, full ARN or ARN without its random suffix; VersionId / VersionStage),
 * GetRandomPassword (every option of the API), DescribeSecret and DeleteSecret (ForceDeleteWithoutRecovery, or a
 * recovery window of 7–30 days). It does NOT: encrypt anything, check IAM or resource policies, rotate secrets, keep
 * more than one version per secret (no PutSecretValue/UpdateSecret), replicate, or purge scheduled deletions when
 * their DeletionDate passes (a scheduled secret stays "marked for deletion" until the stand-in closes).
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { header, listenLocally, readBodyUpTo } from '../http/listenLocally.js';

export interface SecretsManagerStandInOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 0 (the OS chooses) */
  readonly port?: number;
  /** @default '111122223333' */
  readonly accountId?: string;
  /** @default 'eu-west-1' */
  readonly region?: string;
  /** The clock for CreatedDate, DeletedDate, DeletionDate. @default () => new Date() */
  readonly now?: () => Date;
}

/** A secret as the stand-in holds it, for tests. */
export interface StandInSecret {
  readonly name: string;
  readonly arn: string;
  readonly versionId: string;
  readonly secretString: string | undefined;
  readonly secretBinary: Buffer | undefined;
  readonly description: string | undefined;
  readonly kmsKeyId: string | undefined;
  readonly tags: Readonly<Record<string, string>>;
  readonly createdDate: Date;
  /** Set when DeleteSecret scheduled the deletion (without ForceDeleteWithoutRecovery). */
  readonly deletedDate: Date | undefined;
  readonly deletionDate: Date | undefined;
}

export interface InjectedSecretsManagerError {
  readonly type: string;
  readonly status: number;
  readonly message?: string;
}

export interface SecretsManagerStandIn {
  readonly endpoint: string;
  /** Every secret still there, including those scheduled for deletion. */
  secrets(): readonly StandInSecret[];
  /** The next `times` (default 1) calls of `operation` (e.g. 'CreateSecret') answer this error. */
  injectError(operation: string, error: InjectedSecretsManagerError, times?: number): void;
  close(): Promise<void>;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

class SmError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const notFound = () =>
  new SmError(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
const invalidParameter = (message: string) => new SmError(400, 'InvalidParameterException', message);
const invalidRequest = (message: string) => new SmError(400, 'InvalidRequestException', message);
const markedDeleted = () =>
  invalidRequest("You can't perform this operation on the secret because it was marked for deletion.");

/** Secret names: 1–512 ASCII letters, digits and /_+=.@- (Secrets Manager's rule). */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[^:]+:\d{12}:secret:(.+)$/;
/** The punctuation GetRandomPassword draws from (and ExcludePunctuation removes). */
export const PASSWORD_PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const MAX_BODY = 1024 * 1024;

interface SecretRecord {
  name: string;
  arn: string;
  versionId: string;
  secretString: string | undefined;
  secretBinary: Buffer | undefined;
  description: string | undefined;
  kmsKeyId: string | undefined;
  tags: Record<string, string>;
  createdDate: Date;
  deletedDate: Date | undefined;
  deletionDate: Date | undefined;
}

export async function startSecretsManagerStandIn(
  options: SecretsManagerStandInOptions = {},
): Promise<SecretsManagerStandIn> {
  const accountId = options.accountId ?? '111122223333';
  const region = options.region ?? 'eu-west-1';
  const now = options.now ?? (() => new Date());
  const byName = new Map<string, SecretRecord>();
  const injected = new Map<string, InjectedSecretsManagerError[]>();

  const find = (secretId: Json | undefined): SecretRecord => {
    if (typeof secretId !== 'string' || secretId === '') throw invalidParameter('You must specify a SecretId.');
    const arnMatch = SECRET_ARN.exec(secretId);
    if (arnMatch) {
      const rest = arnMatch[1]!;
      for (const r of byName.values()) {
        // a full ARN, or a partial one without the 6-character random suffix
        if (r.arn === secretId || r.name === rest) return r;
      }
      throw notFound();
    }
    const r = byName.get(secretId);
    if (!r) throw notFound();
    return r;
  };

  const operations: Record<string, (input: JsonObject) => JsonObject> = {
    CreateSecret(input) {
      const name = input.Name;
      if (typeof name !== 'string' || !SECRET_NAME.test(name)) {
        throw invalidParameter(
          'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
        );
      }
      const secretString = typeof input.SecretString === 'string' ? input.SecretString : undefined;
      const secretBinary =
        typeof input.SecretBinary === 'string' ? Buffer.from(input.SecretBinary, 'base64') : undefined;
      if (secretString !== undefined && secretBinary !== undefined) {
        throw invalidParameter(
          "You can't specify both a binary secret value and a string secret value in the same secret.",
        );
      }
      const token = typeof input.ClientRequestToken === 'string' ? input.ClientRequestToken : randomUUID();
      if (token.length < 32 || token.length > 64) {
        throw invalidParameter('ClientRequestToken must be 32 to 64 characters long.');
      }
      const existing = byName.get(name);
      if (existing) {
        if (existing.deletedDate !== undefined) {
          throw invalidRequest(
            "You can't create this secret because a secret with this name is already scheduled for deletion.",
          );
        }
        const sameValue =
          existing.secretString === secretString &&
          (existing.secretBinary === undefined
            ? secretBinary === undefined
            : secretBinary !== undefined && existing.secretBinary.equals(secretBinary));
        if (existing.versionId === token && sameValue) {
          // A retry of the same request: the same answer, nothing new.
          return { ARN: existing.arn, Name: existing.name, VersionId: existing.versionId };
        }
        throw new SmError(
          400,
          'ResourceExistsException',
          existing.versionId === token
            ? "You can't modify an existing version, you can only create a new version."
            : `The operation failed because the secret ${name} already exists.`,
        );
      }
      const tags: Record<string, string> = {};
      if (Array.isArray(input.Tags)) {
        for (const tag of input.Tags) {
          const t = tag as JsonObject;
          if (typeof t.Key === 'string') tags[t.Key] = typeof t.Value === 'string' ? t.Value : '';
        }
      }
      const record: SecretRecord = {
        name,
        arn: `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-${randomSuffix()}`,
        versionId: token,
        secretString,
        secretBinary,
        description: typeof input.Description === 'string' ? input.Description : undefined,
        kmsKeyId: typeof input.KmsKeyId === 'string' ? input.KmsKeyId : undefined,
        tags,
        createdDate: now(),
        deletedDate: undefined,
        deletionDate: undefined,
      };
      byName.set(name, record);
      // Without a value there is no version yet, as AWS answers.
      const hasValue = secretString !== undefined || secretBinary !== undefined;
      return { ARN: record.arn, Name: record.name, ...(hasValue ? { VersionId: record.versionId } : {}) };
    },

    GetSecretValue(input) {
      const r = find(input.SecretId);
      if (r.deletedDate !== undefined) throw markedDeleted();
      if (r.secretString === undefined && r.secretBinary === undefined) {
        throw new SmError(
          400,
          'ResourceNotFoundException',
          "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
        );
      }
      if (input.VersionId !== undefined && input.VersionId !== r.versionId) {
        throw new SmError(
          400,
          'ResourceNotFoundException',
          `Secrets Manager can't find the specified secret value for VersionId: ${String(input.VersionId)}`,
        );
      }
      if (input.VersionStage !== undefined && input.VersionStage !== 'AWSCURRENT') {
        throw new SmError(
          400,
          'ResourceNotFoundException',
          `Secrets Manager can't find the specified secret value for staging label: ${String(input.VersionStage)}`,
        );
      }
      return {
        ARN: r.arn,
        Name: r.name,
        VersionId: r.versionId,
        ...(r.secretString !== undefined ? { SecretString: r.secretString } : {}),
        ...(r.secretBinary !== undefined ? { SecretBinary: r.secretBinary.toString('base64') } : {}),
        VersionStages: ['AWSCURRENT'],
        CreatedDate: epoch(r.createdDate),
      };
    },

    DescribeSecret(input) {
      const r = find(input.SecretId);
      const hasValue = r.secretString !== undefined || r.secretBinary !== undefined;
      return {
        ARN: r.arn,
        Name: r.name,
        ...(r.description !== undefined ? { Description: r.description } : {}),
        ...(r.kmsKeyId !== undefined ? { KmsKeyId: r.kmsKeyId } : {}),
        RotationEnabled: false,
        LastChangedDate: epoch(r.deletedDate ?? r.createdDate),
        ...(r.deletedDate !== undefined ? { DeletedDate: epoch(r.deletedDate) } : {}),
        ...(Object.keys(r.tags).length > 0
          ? { Tags: Object.entries(r.tags).map(([Key, Value]) => ({ Key, Value })) }
          : {}),
        ...(hasValue ? { VersionIdsToStages: { [r.versionId]: ['AWSCURRENT'] } } : {}),
        CreatedDate: epoch(r.createdDate),
      };
    },

    DeleteSecret(input) {
      const force = input.ForceDeleteWithoutRecovery === true;
      const windowDays = input.RecoveryWindowInDays;
      if (force && windowDays !== undefined) {
        throw invalidParameter("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
      }
      const days = windowDays === undefined ? 30 : Number(windowDays);
      if (!force && (!Number.isInteger(days) || days < 7 || days > 30)) {
        throw invalidParameter('The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
      }
      const r = find(input.SecretId);
      const at = now();
      if (force) {
        // Also purges a secret already scheduled for deletion, as AWS does.
        byName.delete(r.name);
        return { ARN: r.arn, Name: r.name, DeletionDate: epoch(at) };
      }
      if (r.deletedDate !== undefined) throw markedDeleted();
      r.deletedDate = at;
      r.deletionDate = new Date(at.getTime() + days * 86_400_000);
      return { ARN: r.arn, Name: r.name, DeletionDate: epoch(r.deletionDate) };
    },

    GetRandomPassword(input) {
      return { RandomPassword: randomPassword(input) };
    },
  };

  const server: Server = createServer((req, res) => {
    void handle(req).then(({ status, body, type }) => {
      if (res.destroyed) return;
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-RequestId': randomUUID(),
        ...(type === undefined ? {} : { 'x-amzn-ErrorType': type }),
      });
      res.end(body);
    });
  });

  async function handle(req: IncomingMessage): Promise<{ status: number; body: string; type?: string }> {
    try {
      const target = header(req, 'x-amz-target') ?? '';
      const operation = target.startsWith('secretsmanager.') ? target.slice('secretsmanager.'.length) : '';
      const text = await readBodyUpTo(req, MAX_BODY);
      if (text === undefined) throw invalidRequest('The request body is too large.');
      const run = operations[operation];
      if (!run) throw new SmError(400, 'UnknownOperationException', `Unknown operation ${target || '(none)'}.`);
      const queued = injected.get(operation)?.shift();
      if (queued) throw new SmError(queued.status, queued.type, queued.message ?? `Injected ${queued.type}.`);
      let input: JsonObject;
      try {
        input = text.trim() === '' ? {} : (JSON.parse(text) as JsonObject);
      } catch {
        throw invalidParameter('The request body is not valid JSON.');
      }
      return { status: 200, body: JSON.stringify(run(input)) };
    } catch (error) {
      const e = error instanceof SmError ? error : new SmError(500, 'InternalServiceError', String(error));
      return { status: e.status, type: e.type, body: JSON.stringify({ __type: e.type, Message: e.message }) };
    }
  }

  const endpoint = await listenLocally(server, options);
  return {
    endpoint,
    secrets: () =>
      [...byName.values()].map((r) => ({
        ...r,
        tags: { ...r.tags },
      })),
    injectError: (operation, error, times = 1) => {
      const queue = injected.get(operation) ?? [];
      for (let i = 0; i < times; i++) queue.push(error);
      injected.set(operation, queue);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** GetRandomPassword: PasswordLength (1–4096, default 32) from the included character classes. */
function randomPassword(input: JsonObject): string {
  const length = input.PasswordLength === undefined ? 32 : Number(input.PasswordLength);
  if (!Number.isInteger(length) || length < 1 || length > 4096) {
    throw invalidParameter('PasswordLength must be between 1 and 4096.');
  }
  const exclude = typeof input.ExcludeCharacters === 'string' ? input.ExcludeCharacters : '';
  const keep = (set: string) => [...set].filter((c) => !exclude.includes(c)).join('');
  const classes = [
    input.ExcludeLowercase === true ? '' : keep(LOWER),
    input.ExcludeUppercase === true ? '' : keep(UPPER),
    input.ExcludeNumbers === true ? '' : keep(DIGITS),
    input.ExcludePunctuation === true ? '' : keep(PASSWORD_PUNCTUATION),
    input.IncludeSpace === true ? keep(' ') : '',
  ].filter((set) => set.length > 0);
  if (classes.length === 0) {
    throw invalidParameter('No characters are left to generate a password from; include at least one character type.');
  }
  const requireEach = input.RequireEachIncludedType !== false;
  if (requireEach && length < classes.length) {
    throw invalidParameter(
      `PasswordLength ${length} is too short to include each of the ${classes.length} included character types.`,
    );
  }
  const all = classes.join('');
  const pick = (set: string) => set[randomInt(set.length)]!;
  // One of each included type first (when required), the rest from all of them, then shuffled.
  const chars = requireEach ? classes.map(pick) : [];
  while (chars.length < length) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

function randomSuffix(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return [...randomBytes(6)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** awsJson timestamps: epoch seconds, with milliseconds as a fraction. */
function epoch(date: Date): number {
  return date.getTime() / 1000;
}
