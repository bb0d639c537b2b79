// A smart-HTTP git server for the fetch bench, in its own process (the bench's timed
// runs block its event loop): `git http-backend` as CGI behind node:http. Prints its
// port; GET /__stats answers how many upload-pack POSTs skillsync made.
import { spawn } from 'node:child_process';
import http from 'node:http';

const root = process.argv[2];
let packPosts = 0;
const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/__stats') return void res.end(JSON.stringify({ packPosts }));
  // git's own ls-remote speaks protocol v2, whose ref listing is a POST too: count only other clients.
  if (req.method === 'POST' && url.pathname.endsWith('/git-upload-pack') && !/^git\/\d/.test(String(req.headers['user-agent']))) packPosts++;
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
  let started = false;
  cgi.stdout.on('data', (chunk) => {
    if (started) return void res.write(chunk);
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end === -1) return;
    started = true;
    let status = 200;
    const headers = {};
    for (const line of head.subarray(0, end).toString().split('\r\n')) {
      const i = line.indexOf(':');
      const k = line.slice(0, i).trim().toLowerCase();
      if (k === 'status') status = parseInt(line.slice(i + 1), 10);
      else headers[k] = line.slice(i + 1).trim();
    }
    res.writeHead(status, headers);
    res.write(head.subarray(end + 4));
  });
  cgi.on('close', () => res.end());
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
