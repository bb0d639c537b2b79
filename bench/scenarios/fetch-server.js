// The fetch bench's smart-HTTP server, in its own process (the bench's timed runs block
// its event loop): the tests' server (test/helpers/http-git-server.js), plus
// GET /__stats answering how many upload-pack POSTs skillsync made. Prints its port.
import http from 'node:http';
import { gitHttpHandler } from '../../test/helpers/http-git-server.js';

const root = process.argv[2];
const entries = [];
const git = gitHttpHandler(root, {}, entries);
// git's own ls-remote speaks protocol v2, whose ref listing is a POST too: count only other clients.
const packPosts = () => entries.filter((e) => e.line.startsWith('POST') && e.line.endsWith('/git-upload-pack') && !/^git\/\d/.test(e.agent)).length;
const server = http.createServer((req, res) => {
  if (new URL(req.url ?? '/', 'http://x').pathname === '/__stats') return void res.end(JSON.stringify({ packPosts: packPosts(), requests: entries.length }));
  git(req, res);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
