// A real smart-HTTP git server on 127.0.0.1: `git http-backend` run as CGI behind
// node:http, with switches for the failures a remote source must survive.
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServerSwitches {
  /** Require `Authorization: Basic x-access-token:<token>`. */
  token?: string;
  /** Answer every request with HTTP 500. */
  fail500?: boolean;
  /** Cut upload-pack answers after this many bytes. */
  truncateAt?: number;
  /** Wait this long before answering. */
  delayMs?: number;
}

export interface GitHttpServer {
  /** http://127.0.0.1:<port>/ ; repositories are served by their path under `root`. */
  base: string;
  switches: ServerSwitches;
  /** Requests seen, as "GET /repo.git/info/refs". */
  log: string[];
  packPosts(): number;
  /** Stop listening (connections are refused) and listen again on the same port. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startGitServer(root: string): Promise<GitHttpServer> {
  const switches: ServerSwitches = {};
  const log: string[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    log.push(`${req.method} ${url.pathname}`);
    const answer = () => {
      if (switches.fail500) return void res.writeHead(500).end('boom');
      const want = switches.token && `Basic ${Buffer.from(`x-access-token:${switches.token}`).toString('base64')}`;
      if (want && req.headers.authorization !== want) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end();
      const cgi = spawn('git', ['http-backend'], {
        env: {
          PATH: process.env.PATH, GIT_PROJECT_ROOT: root, GIT_HTTP_EXPORT_ALL: '1', GIT_CONFIG_NOSYSTEM: '1', HOME: root,
          REQUEST_METHOD: req.method, PATH_INFO: decodeURIComponent(url.pathname), QUERY_STRING: url.search.slice(1),
          CONTENT_TYPE: req.headers['content-type'] ?? '', GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
          HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''), REMOTE_ADDR: '127.0.0.1',
        },
      });
      req.pipe(cgi.stdin);
      let head = Buffer.alloc(0);
      let sent = 0;
      let started = false;
      const limit = url.pathname.endsWith('/git-upload-pack') ? switches.truncateAt : undefined;
      cgi.stdout.on('data', (chunk: Buffer) => {
        if (!started) {
          head = Buffer.concat([head, chunk]);
          const end = head.indexOf('\r\n\r\n');
          if (end === -1) return;
          started = true;
          const headers: Record<string, string> = {};
          let status = 200;
          for (const line of head.subarray(0, end).toString().split('\r\n')) {
            const i = line.indexOf(':');
            const k = line.slice(0, i).trim().toLowerCase();
            if (k === 'status') status = parseInt(line.slice(i + 1), 10);
            else headers[k] = line.slice(i + 1).trim();
          }
          res.writeHead(status, headers);
          chunk = head.subarray(end + 4);
        }
        if (limit !== undefined && sent + chunk.length > limit) {
          res.write(chunk.subarray(0, Math.max(0, limit - sent)));
          sent = limit;
          cgi.kill();
          return void res.socket?.destroy();
        }
        sent += chunk.length;
        res.write(chunk);
      });
      cgi.on('close', () => res.end());
    };
    if (switches.delayMs) setTimeout(answer, switches.delayMs);
    else answer();
  };
  let server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const stop = () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });
  return {
    base: `http://127.0.0.1:${port}/`,
    switches,
    log,
    packPosts: () => log.filter((l) => l.startsWith('POST') && l.endsWith('/git-upload-pack')).length,
    down: stop,
    up: async () => {
      server = http.createServer(handler);
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    },
    close: stop,
  };
}
