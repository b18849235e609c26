import { DescribeKeyCommand, KMSClient, NotFoundException } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ExportKey, isKeyArn } from '../../../src/aws/export/ExportKey.js';

const kms = mockClient(KMSClient);
const KEY_ARN = 'arn:aws:kms:eu-west-1:999988887777:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const ALIAS_ARN = 'arn:aws:kms:eu-west-1:999988887777:alias/vaultpilot-archive';

beforeEach(() => kms.reset());

describe('ExportKey', () => {
  it('tells key ARNs from aliases', () => {
    expect(isKeyArn(KEY_ARN)).toBe(true);
    expect(isKeyArn(ALIAS_ARN)).toBe(false);
    expect(isKeyArn('alias/vaultpilot-archive')).toBe(false);
  });

  it('passes a key ARN through without calling KMS', async () => {
    await expect(new ExportKey(new KMSClient({}), KEY_ARN).keyArn()).resolves.toBe(KEY_ARN);
    expect(kms.commandCalls(DescribeKeyCommand)).toHaveLength(0);
  });

  it('resolves an alias ARN once per container', async () => {
    kms.on(DescribeKeyCommand, { KeyId: ALIAS_ARN }).resolves({ KeyMetadata: { KeyId: 'x', Arn: KEY_ARN } });
    const key = new ExportKey(new KMSClient({ region: 'eu-west-1' }), ALIAS_ARN);
    await expect(key.keyArn()).resolves.toBe(KEY_ARN);
    await expect(key.keyArn()).resolves.toBe(KEY_ARN);
    expect(kms.commandCalls(DescribeKeyCommand)).toHaveLength(1);
  });

  it('refuses a key it cannot find, and asks again next time', async () => {
    kms.on(DescribeKeyCommand).rejectsOnce(new NotFoundException({ message: 'Alias not found', $metadata: {} }));
    const key = new ExportKey(new KMSClient({ region: 'eu-west-1' }), ALIAS_ARN);
    await expect(key.keyArn()).rejects.toMatchObject({ name: 'ExportRefused' });
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: 'x', Arn: KEY_ARN } });
    await expect(key.keyArn()).resolves.toBe(KEY_ARN);
  });
});
