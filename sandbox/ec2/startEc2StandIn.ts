/**
 * A local stand-in for the one EC2 call the EBS branch of the export workflow makes: DescribeSnapshots (the EC2
 * query protocol: form-encoded POST, XML answers in EC2's own shape — `<snapshotSet><item>…`, lower-camel element
 * names, `<Response><Errors><Error>` errors, as `@aws-sdk/client-ec2` parses them). Snapshots are registered in code
 * (`addSnapshot`: id, volume, size, state, storage tier, encryption, tags); an unknown id answers
 * `InvalidSnapshot.NotFound` (HTTP 400), as EC2 does. It models no other EC2 action, no filters, no pagination
 * beyond one page, and no IAM.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A snapshot as DescribeSnapshots describes it. */
export interface Ec2SnapshotSpec {
  readonly snapshotId: string;
  readonly volumeId?: string;
  /** @default 1 */
  readonly volumeSizeGiB?: number;
  /** pending | completed | error | recoverable | recovering. @default completed */
  readonly state?: string;
  /** standard | archive. @default standard */
  readonly storageTier?: string;
  readonly encrypted?: boolean;
  readonly kmsKeyId?: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** @default now */
  readonly startTime?: Date;
}

export interface Ec2StandIn {
  readonly endpoint: string;
  addSnapshot(spec: Ec2SnapshotSpec): void;
  /** DescribeSnapshots calls answered, by snapshot id. */
  readonly calls: Readonly<Record<string, number>>;
  close(): Promise<void>;
}

const XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function snapshotXml(owner: string, s: Ec2SnapshotSpec): string {
  const tags = Object.entries(s.tags ?? {})
    .map(([k, v]) => `<item><key>${escapeXml(k)}</key><value>${escapeXml(v)}</value></item>`)
    .join('');
  return (
    '<item>' +
    `<snapshotId>${s.snapshotId}</snapshotId>` +
    `<volumeId>${s.volumeId ?? 'vol-ffffffff'}</volumeId>` +
    `<status>${s.state ?? 'completed'}</status>` +
    `<startTime>${(s.startTime ?? new Date()).toISOString()}</startTime>` +
    '<progress>100%</progress>' +
    `<ownerId>${owner}</ownerId>` +
    `<volumeSize>${s.volumeSizeGiB ?? 1}</volumeSize>` +
    `<encrypted>${s.encrypted ? 'true' : 'false'}</encrypted>` +
    (s.kmsKeyId ? `<kmsKeyId>${escapeXml(s.kmsKeyId)}</kmsKeyId>` : '') +
    `<storageTier>${s.storageTier ?? 'standard'}</storageTier>` +
    (tags ? `<tagSet>${tags}</tagSet>` : '') +
    '</item>'
  );
}

/** Starts the EC2 stand-in on 127.0.0.1 (a port the OS chooses). */
export async function startEc2StandIn(options: { readonly accountId?: string } = {}): Promise<Ec2StandIn> {
  const owner = options.accountId ?? '111122223333';
  const snapshots = new Map<string, Ec2SnapshotSpec>();
  const calls: Record<string, number> = {};
  const server: Server = createServer((req, res) => {
    void (async () => {
      const params = new URLSearchParams(await body(req));
      const requestId = randomUUID();
      const send = (status: number, xml: string) => {
        res.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
      };
      const error = (code: string, message: string) =>
        send(
          400,
          `<Response><Errors><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
        );
      const action = params.get('Action');
      if (action !== 'DescribeSnapshots') {
        return error('InvalidAction', `The action ${action ?? '(none)'} is not valid for this web service.`);
      }
      const ids = [...params.entries()].filter(([k]) => /^SnapshotId\.\d+$/.test(k)).map(([, v]) => v);
      for (const id of ids) calls[id] = (calls[id] ?? 0) + 1;
      const missing = ids.find((id) => !snapshots.has(id));
      if (missing) return error('InvalidSnapshot.NotFound', `The snapshot '${missing}' does not exist.`);
      const items = (ids.length > 0 ? ids.map((id) => snapshots.get(id)!) : [...snapshots.values()])
        .map((s) => snapshotXml(owner, s))
        .join('');
      send(
        200,
        `<DescribeSnapshotsResponse xmlns="${XMLNS}"><requestId>${requestId}</requestId><snapshotSet>${items}</snapshotSet></DescribeSnapshotsResponse>`,
      );
    })().catch((e: unknown) => {
      res.writeHead(500);
      res.end(String(e));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    addSnapshot: (spec) => snapshots.set(spec.snapshotId, spec),
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
