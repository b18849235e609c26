import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { escapeUri, GetRequestSigner } from '../../../src/aws/ebs/GetRequestSigner.js';

/** The SDK's Checksum shape over node:crypto, as @smithy/hash-node provides it. */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash =
      secret === undefined
        ? createHash('sha256')
        : createHmac('sha256', typeof secret === 'string' ? secret : bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
  reset(): void {}
}

function bytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

/** What @smithy/signature-v4 (the SDK's signer) sends for the same GET. */
async function smithy(
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  region: string,
  date: Date,
  host: string,
  path: string,
  blockToken: string,
) {
  const signer = new SignatureV4({ credentials, region, service: 'ebs', sha256: Sha256 });
  const [hostname, port] = host.split(':');
  const signed = await signer.sign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname: hostname!,
      ...(port ? { port: Number(port) } : {}),
      path,
      query: { blockToken },
      headers: { host },
    },
    { signingDate: date },
  );
  return signed.headers;
}

describe('GetRequestSigner', () => {
  const cases = [
    {
      name: 'long-term credentials',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
      region: 'us-east-1',
      host: 'ebs.us-east-1.amazonaws.com',
      path: '/snapshots/snap-0123456789abcdef0/blocks/42',
      token: 'AAUBAS8Jf0Qgb+gPqGbNUzqoDh8QzQ/Vz7pNbYWwSHOFkLjH1Xr1pLuT9qfj8Q==',
    },
    {
      name: 'temporary credentials, a port and an endpoint path',
      credentials: {
        accessKeyId: 'ASIAEXAMPLE',
        secretAccessKey: 'secret',
        sessionToken: 'IQoJb3JpZ2luX2VjE//////////wEaCXVzLWVhc3QtMSJHMEUCIQ  x+y=',
      },
      region: 'eu-west-1',
      host: '127.0.0.1:8443',
      path: '/base/snapshots/snap-01/blocks/0',
      token: "tok/en+=!'()* ~",
    },
  ];
  for (const c of cases) {
    it(`signs like @smithy/signature-v4: ${c.name}`, async () => {
      const signer = new GetRequestSigner(c.region, 'ebs');
      for (const date of [new Date('2026-12-04T23:59:59.999Z'), new Date('2026-12-05T00:00:01.000Z')]) {
        const ours = signer.sign(c.credentials, date, c.host, c.path, `blockToken=${escapeUri(c.token)}`);
        const theirs = await smithy(c.credentials, c.region, date, c.host, c.path, c.token);
        expect(ours.authorization).toBe(theirs.authorization);
        expect(ours['x-amz-date']).toBe(theirs['x-amz-date']);
        expect(ours['x-amz-content-sha256']).toBe(theirs['x-amz-content-sha256']);
        expect(ours['x-amz-security-token']).toBe(theirs['x-amz-security-token']);
      }
    });
  }

  it('derives a new signing key when the day or the credentials change', async () => {
    const signer = new GetRequestSigner('us-east-1', 'ebs');
    const host = 'ebs.us-east-1.amazonaws.com';
    const path = '/snapshots/snap-01/blocks/1';
    const date = new Date('2026-12-04T10:00:00Z');
    const a = { accessKeyId: 'AKID1', secretAccessKey: 'one' };
    const b = { accessKeyId: 'AKID1', secretAccessKey: 'two' };
    for (const [creds, when] of [
      [a, date],
      [b, date],
      [b, new Date('2026-12-05T10:00:00Z')],
      [a, date],
    ] as const) {
      expect(signer.sign(creds, when, host, path, 'blockToken=t').authorization).toBe(
        (await smithy(creds, 'us-east-1', when, host, path, 't')).authorization,
      );
    }
  });
});
