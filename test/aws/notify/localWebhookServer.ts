/**
 * A real HTTP server on 127.0.0.1 (port chosen by the OS) standing in for Slack, Teams and webhook endpoints.
 * It records every request and answers from a script: by default 200, or the next scripted answer
 * (a status with headers, or `hang` to never answer, which exercises client timeouts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedAnswer {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Never answer this request. */
  readonly hang?: boolean;
}

export interface ReceivedPost {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly json: unknown;
}

export interface LocalWebhookServer {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly received: ReceivedPost[];
  /** Requests whose answer was 2xx. */
  delivered(path?: string): ReceivedPost[];
  /** Queues answers for the next requests to `path` (every path if omitted). */
  script(answers: readonly ScriptedAnswer[], path?: string): void;
  close(): Promise<void>;
}

/** Starts the server. */
export async function startLocalWebhookServer(): Promise<LocalWebhookServer> {
  const received: ReceivedPost[] = [];
  const deliveredPosts: ReceivedPost[] = [];
  const scripts = new Map<string, ScriptedAnswer[]>();
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const path = req.url ?? '/';
      const post = { path, headers: req.headers, body, json };
      received.push(post);
      const answer = scripts.get(path)?.shift() ?? scripts.get('*')?.shift() ?? {};
      if (answer.hang) {
        hanging.add(res);
        return;
      }
      const status = answer.status ?? 200;
      if (status >= 200 && status < 300) deliveredPosts.push(post);
      res.writeHead(status, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? (status < 300 ? 'ok' : 'error'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    delivered: (path) => (path ? deliveredPosts.filter((p) => p.path === path) : deliveredPosts),
    script(answers, path = '*') {
      scripts.set(path, [...(scripts.get(path) ?? []), ...answers]);
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
