/**
 * The dump worker reading its password from a Secrets Manager secret (VAULTPILOT_DB_PASSWORD_SECRET_ARN), as the AWS
 * Batch job does: the worker runs as its own process against the Secrets Manager stand-in and the machine's MariaDB
 * (root with an empty password, so a wrong password from the secret is refused — the secret is really used).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mariaDbReachable } from '../../sandbox/actions/seedDatabase.js';
import {
  type SecretsManagerStandIn,
  startSecretsManagerStandIn,
} from '../../sandbox/secretsmanager/startSecretsManagerStandIn.js';
import { dropMy, MY_URL, root, seedVariedMariaDb } from '../archive/dump/dumpDatabases.js';

const db = `vp_dump_secret_${process.pid}`;
const myUp = (await mariaDbReachable()) === true;
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
let secrets: SecretsManagerStandIn;
let client: SecretsManagerClient;
let work: string;

async function secret(name: string, value: string): Promise<string> {
  const out = await client.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  return out.ARN!;
}

async function runWorker(env: Record<string, string>) {
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--no-warnings', '--import', 'tsx', join(root, 'src/worker/dumpDatabase.ts')],
      {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          AWS_REGION: 'eu-west-1',
          AWS_ACCESS_KEY_ID: 'x',
          AWS_SECRET_ACCESS_KEY: 'x',
          AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
          ...env,
        },
        cwd: root,
      },
    );
    return { code: 0, result: JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown> };
  } catch (error) {
    const e = error as { code?: number; stdout?: string };
    return {
      code: e.code ?? -1,
      result: JSON.parse(e.stdout?.trim().split('\n').at(-1) || '{}') as Record<string, unknown>,
    };
  }
}

beforeAll(async () => {
  secrets = await startSecretsManagerStandIn();
  client = new SecretsManagerClient({ region: 'eu-west-1', credentials, endpoint: secrets.endpoint });
  work = mkdtempSync(join(tmpdir(), 'vp-dump-secret-'));
  if (myUp) await seedVariedMariaDb(db);
}, 60_000);

afterAll(async () => {
  if (myUp) await dropMy(db).catch(() => {});
  client?.destroy();
  await secrets?.close();
  rmSync(work, { recursive: true, force: true });
});

describe.runIf(myUp)('the dump worker with its password in Secrets Manager', () => {
  it('reads the password from the secret (JSON with a password field, as RDS-managed secrets hold it)', async () => {
    const arn = await secret(`vaultpilot/dump/ok-${process.pid}`, JSON.stringify({ username: 'root', password: '' }));
    const r = await runWorker({
      VAULTPILOT_DB_URL: MY_URL(db),
      VAULTPILOT_DB_PASSWORD_SECRET_ARN: arn,
      VAULTPILOT_DESTINATION: join(work, 'ok'),
    });
    expect(r.code, JSON.stringify(r.result)).toBe(0);
    expect(r.result).toMatchObject({ ok: true });
  }, 60_000);

  it('uses what the secret says: a wrong password there is refused by the server', async () => {
    const arn = await secret(`vaultpilot/dump/wrong-${process.pid}`, 'not-the-password');
    const r = await runWorker({
      VAULTPILOT_DB_URL: MY_URL(db),
      VAULTPILOT_DB_PASSWORD_SECRET_ARN: arn,
      VAULTPILOT_DESTINATION: join(work, 'wrong'),
    });
    expect(r.code).toBe(1);
    expect(JSON.stringify(r.result)).not.toContain('not-the-password');
  }, 60_000);

  it('fails, naming the secret, when the secret does not exist', async () => {
    const r = await runWorker({
      VAULTPILOT_DB_URL: MY_URL(db),
      VAULTPILOT_DB_PASSWORD_SECRET_ARN:
        'arn:aws:secretsmanager:eu-west-1:111122223333:secret:vaultpilot/missing-AbCdEf',
      VAULTPILOT_DESTINATION: join(work, 'missing'),
    });
    expect(r.code).toBe(1);
    expect(String(r.result.error)).toMatch(/secret|ResourceNotFound/i);
  }, 60_000);
});
