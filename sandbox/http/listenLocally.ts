/** What every HTTP stand-in does to come up: listen on 127.0.0.1 (or the given host and port) and say where. */
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on `host:port` (defaults 127.0.0.1 and a port the OS chooses) and returns `http://host:port`. */
export async function listenLocally(server: Server, options: { host?: string; port?: number } = {}): Promise<string> {
  // Keep-alive sockets would hold close() open; answers of a few ms do not need long idle timeouts.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** One request header's value (the first, when repeated). */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The request body as text, or undefined when it is longer than `maxBytes` (the rest is read and dropped). */
export async function readBodyUpTo(req: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= maxBytes) chunks.push(chunk as Buffer);
  }
  return size > maxBytes ? undefined : Buffer.concat(chunks).toString('utf8');
}
