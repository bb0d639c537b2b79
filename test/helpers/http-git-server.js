// A real smart-HTTP git server on 127.0.0.1: `git http-backend` run as CGI behind
// node:http, with switches for the failures a remote source must survive. Plain
// JavaScript so that the tests, the bench and test/real/ share this one server.
import { spawn } from 'node:child_process';
import http from 'node:http';

/** `git http-backend` for one request, honouring the switches; logs "METHOD /path". */
export function gitHttpHandler(root, switches, log) {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    log.push({ line: `${req.method} ${url.pathname}`, agent: String(req.headers['user-agent'] ?? '') });
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
          ...(switches.gitConfig ?? {}),
        },
      });
      req.pipe(cgi.stdin);
      cgi.stdin.on('error', () => {});
      let head = Buffer.alloc(0);
      let sent = 0;
      let started = false;
      const limit = url.pathname.endsWith('/git-upload-pack') ? switches.truncateAt : undefined;
      cgi.stdout.on('data', (chunk) => {
        if (!started) {
          head = Buffer.concat([head, chunk]);
          const end = head.indexOf('\r\n\r\n');
          if (end === -1) return;
          started = true;
          const headers = {};
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
}

/** Serves every repository under `root` by its path; see http-git-server.d.ts. */
export async function startGitServer(root, opts = {}) {
  const switches = {};
  const entries = [];
  const log = [];
  const handler = gitHttpHandler(root, switches, { push: (e) => { entries.push(e); log.push(e.line); } });
  let server = http.createServer(handler);
  await new Promise((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  const port = server.address().port;
  const stop = () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); });
  // git's own ls-remote speaks protocol v2, whose ref listing is a POST too: `clients` filters by user agent.
  const posts = (agent) => entries.filter((e) => e.line.startsWith('POST') && e.line.endsWith('/git-upload-pack') && (!agent || agent.test(e.agent))).length;
  return {
    base: `http://127.0.0.1:${port}/`,
    port,
    switches,
    log,
    packPosts: (agent) => posts(agent),
    down: stop,
    up: async () => {
      server = http.createServer(handler);
      await new Promise((r) => server.listen(port, '127.0.0.1', r));
    },
    close: stop,
  };
}
