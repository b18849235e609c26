/** The Secrets Manager stand-in against the REAL SecretsManagerClient: idempotency, passwords, deletion, errors. */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type SecretsManagerStandIn,
  startSecretsManagerStandIn,
} from '../../sandbox/secretsmanager/startSecretsManagerStandIn.js';

let stand: SecretsManagerStandIn;
let client: SecretsManagerClient;
let counter = 0;
const uniqueName = () => `vaultpilot/dump/test-${process.pid}-${++counter}`;
const TOKEN_A = 'aaaaaaaa-1111-4111-8111-000000000001';
const TOKEN_B = 'bbbbbbbb-2222-4222-8222-000000000002';

beforeAll(async () => {
  stand = await startSecretsManagerStandIn();
  client = new SecretsManagerClient({
    endpoint: stand.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await stand.close();
});

async function errorOf(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

describe('CreateSecret and GetSecretValue', () => {
  it('stores a secret with tags and answers its value by name and by ARN', async () => {
    const name = uniqueName();
    const created = await client.send(
      new CreateSecretCommand({
        Name: name,
        SecretString: JSON.stringify({ username: 'root', password: 'p4ss' }),
        Tags: [{ Key: 'vaultpilot:purpose', Value: 'dump' }],
        ClientRequestToken: TOKEN_A,
      }),
    );
    expect(created.Name).toBe(name);
    expect(created.VersionId).toBe(TOKEN_A);
    expect(created.ARN).toMatch(
      new RegExp(`^arn:aws:secretsmanager:eu-west-1:111122223333:secret:${name}-[A-Za-z0-9]{6}$`),
    );

    const byName = await client.send(new GetSecretValueCommand({ SecretId: name }));
    expect(JSON.parse(byName.SecretString!)).toEqual({ username: 'root', password: 'p4ss' });
    expect(byName.VersionStages).toEqual(['AWSCURRENT']);
    expect(byName.CreatedDate).toBeInstanceOf(Date);
    const byArn = await client.send(new GetSecretValueCommand({ SecretId: created.ARN }));
    expect(byArn.SecretString).toBe(byName.SecretString);

    const described = await client.send(new DescribeSecretCommand({ SecretId: name }));
    expect(described.Tags).toEqual([{ Key: 'vaultpilot:purpose', Value: 'dump' }]);
    expect(described.DeletedDate).toBeUndefined();
    expect(described.VersionIdsToStages).toEqual({ [TOKEN_A]: ['AWSCURRENT'] });
  });

  it('is idempotent on ClientRequestToken: same token and value → same version, else ResourceExistsException', async () => {
    const name = uniqueName();
    const first = await client.send(
      new CreateSecretCommand({ Name: name, SecretString: 'v1', ClientRequestToken: TOKEN_A }),
    );
    const retry = await client.send(
      new CreateSecretCommand({ Name: name, SecretString: 'v1', ClientRequestToken: TOKEN_A }),
    );
    expect(retry).toMatchObject({ ARN: first.ARN, VersionId: TOKEN_A });
    expect(stand.secrets().filter((s) => s.name === name)).toHaveLength(1);

    const changed = await errorOf(
      client.send(new CreateSecretCommand({ Name: name, SecretString: 'v2', ClientRequestToken: TOKEN_A })),
    );
    expect(changed.name).toBe('ResourceExistsException');
    const other = await errorOf(
      client.send(new CreateSecretCommand({ Name: name, SecretString: 'v1', ClientRequestToken: TOKEN_B })),
    );
    expect(other.name).toBe('ResourceExistsException');
    // The SDK fills ClientRequestToken itself when it is left out: a second create is a different request.
    const auto = await errorOf(client.send(new CreateSecretCommand({ Name: name, SecretString: 'v1' })));
    expect(auto.name).toBe('ResourceExistsException');
  });

  it('refuses invalid names', async () => {
    const error = await errorOf(client.send(new CreateSecretCommand({ Name: 'has space', SecretString: 'x' })));
    expect(error.name).toBe('InvalidParameterException');
  });

  it('answers ResourceNotFoundException for an unknown secret', async () => {
    for (const command of [
      new GetSecretValueCommand({ SecretId: 'nope' }),
      new DescribeSecretCommand({ SecretId: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:nope-abcdef' }),
      new DeleteSecretCommand({ SecretId: 'nope', ForceDeleteWithoutRecovery: true }),
    ]) {
      const error = await errorOf(client.send(command as GetSecretValueCommand));
      expect(error.name).toBe('ResourceNotFoundException');
      expect(error.message).toBe("Secrets Manager can't find the specified secret.");
    }
  });
});

describe('GetRandomPassword', () => {
  it('makes a password fit for an RDS master user: no / " @ or space', async () => {
    for (let i = 0; i < 20; i++) {
      const { RandomPassword } = await client.send(
        new GetRandomPasswordCommand({ PasswordLength: 32, ExcludeCharacters: '/"@ \'\\' }),
      );
      expect(RandomPassword).toHaveLength(32);
      expect(RandomPassword).not.toMatch(/[/"@ '\\]/);
      // RequireEachIncludedType defaults to true: every class is there.
      expect(RandomPassword).toMatch(/[a-z]/);
      expect(RandomPassword).toMatch(/[A-Z]/);
      expect(RandomPassword).toMatch(/[0-9]/);
      expect(RandomPassword).toMatch(/[^A-Za-z0-9]/);
    }
  });

  it('honours the exclusion flags and the default length', async () => {
    const plain = await client.send(new GetRandomPasswordCommand({ ExcludePunctuation: true }));
    expect(plain.RandomPassword).toMatch(/^[A-Za-z0-9]{32}$/);
    const digits = await client.send(
      new GetRandomPasswordCommand({
        PasswordLength: 12,
        ExcludeLowercase: true,
        ExcludeUppercase: true,
        ExcludePunctuation: true,
      }),
    );
    expect(digits.RandomPassword).toMatch(/^[0-9]{12}$/);
    const spaced = await client.send(
      new GetRandomPasswordCommand({ PasswordLength: 5, IncludeSpace: true, RequireEachIncludedType: true }),
    );
    expect(spaced.RandomPassword).toContain(' ');
  });

  it('refuses impossible requests', async () => {
    const none = await errorOf(
      client.send(
        new GetRandomPasswordCommand({
          ExcludeLowercase: true,
          ExcludeUppercase: true,
          ExcludeNumbers: true,
          ExcludePunctuation: true,
        }),
      ),
    );
    expect(none.name).toBe('InvalidParameterException');
    const tooShort = await errorOf(client.send(new GetRandomPasswordCommand({ PasswordLength: 3 })));
    expect(tooShort.name).toBe('InvalidParameterException');
    const tooLong = await errorOf(client.send(new GetRandomPasswordCommand({ PasswordLength: 5000 })));
    expect(tooLong.name).toBe('InvalidParameterException');
  });
});

describe('DeleteSecret', () => {
  it('ForceDeleteWithoutRecovery removes the secret at once', async () => {
    const name = uniqueName();
    const created = await client.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
    const deleted = await client.send(
      new DeleteSecretCommand({ SecretId: created.ARN, ForceDeleteWithoutRecovery: true }),
    );
    expect(deleted).toMatchObject({ ARN: created.ARN, Name: name });
    expect(deleted.DeletionDate).toBeInstanceOf(Date);
    expect((await errorOf(client.send(new DescribeSecretCommand({ SecretId: name })))).name).toBe(
      'ResourceNotFoundException',
    );
    // The name is free again.
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'y' }));
    await client.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
  });

  it('without force schedules the deletion: DescribeSecret shows DeletedDate, the value is refused', async () => {
    const name = uniqueName();
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
    const before = Date.now();
    const scheduled = await client.send(new DeleteSecretCommand({ SecretId: name, RecoveryWindowInDays: 7 }));
    const days = (scheduled.DeletionDate!.getTime() - before) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThan(7.01);
    const described = await client.send(new DescribeSecretCommand({ SecretId: name }));
    expect(described.DeletedDate).toBeInstanceOf(Date);

    expect((await errorOf(client.send(new GetSecretValueCommand({ SecretId: name })))).name).toBe(
      'InvalidRequestException',
    );
    expect((await errorOf(client.send(new CreateSecretCommand({ Name: name, SecretString: 'z' })))).name).toBe(
      'InvalidRequestException',
    );
    expect((await errorOf(client.send(new DeleteSecretCommand({ SecretId: name })))).name).toBe(
      'InvalidRequestException',
    );
    // A scheduled secret can still be purged at once.
    await client.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    expect(stand.secrets().some((s) => s.name === name)).toBe(false);
  });

  it('refuses a recovery window out of 7–30 days, or with force', async () => {
    const name = uniqueName();
    await client.send(new CreateSecretCommand({ Name: name, SecretString: 'x' }));
    for (const input of [
      { SecretId: name, RecoveryWindowInDays: 3 },
      { SecretId: name, RecoveryWindowInDays: 31 },
      { SecretId: name, RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true },
    ]) {
      expect((await errorOf(client.send(new DeleteSecretCommand(input)))).name).toBe('InvalidParameterException');
    }
    await client.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
  });
});

describe('injectError', () => {
  it('answers the injected error once, then works again', async () => {
    stand.injectError('GetRandomPassword', { type: 'InternalServiceError', status: 500, message: 'boom' });
    const error = await errorOf(client.send(new GetRandomPasswordCommand({})));
    expect(error.name).toBe('InternalServiceError');
    expect(error.$metadata?.httpStatusCode).toBe(500);
    await client.send(new GetRandomPasswordCommand({}));
  });
});
