// The optional HTTP listener: GET /healthz (200 once the first full pass is done,
// 503 before and while stopping) and GET /metrics (Prometheus text). node:http only.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SkillsyncError } from '../core/errors.js';

export interface HealthSource {
  /** null when healthy, else the reason shown with 503. */
  notReady(): string | null;
  health(): Record<string, unknown>;
  metrics(): string;
}

export interface HttpListener {
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

/** "host:port" → parts; the config already checked the shape. */
export function parseListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(listen.slice(i + 1));
  if (!host || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SkillsyncError('ECONFIG', `config: http.listen: '${listen}' is not host:port`, { key: 'http.listen' });
  }
  return { host, port };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

export async function startHttp(listen: string, src: HealthSource): Promise<HttpListener> {
  const { host, port } = parseListen(listen);
  const server: Server = createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    try {
      if (url === '/healthz') {
        const why = src.notReady();
        const body = JSON.stringify({ status: why ? why : 'ok', ...src.health() }) + '\n';
        res.writeHead(why ? 503 : 200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body);
      } else if (url === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : src.metrics());
      } else {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: try /healthz or /metrics\n');
      }
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`internal error: ${(err as Error).message}\n`);
    }
  });
  // A scrape must never keep the process alive on shutdown.
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(
        new SkillsyncError(
          'EHTTP_LISTEN',
          `cannot listen on ${listen} for /healthz and /metrics: ${err.code === 'EADDRINUSE' ? 'the address is in use' : err.message}; change http.listen in the config`,
          { listen, code: err.code },
        ),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  return {
    address: { host, port: addr.port },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
