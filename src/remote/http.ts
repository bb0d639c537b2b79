// The HTTP client handed to isomorphic-git (its `http` plugin): node:http(s) with the
// environment's proxies, a token only for its own host, one deadline for the whole
// fetch and a byte budget for everything received. A failure is recorded once, as the
// reason a source is unreachable; it is never a message with a header or token in it.
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import type { IncomingMessage } from 'node:http';
import type { GitHttpResponse, HttpClient } from 'isomorphic-git';
import { SkillsyncError } from '../core/errors.js';
import { proxyAuthHeader, proxyFor, tunnel, type Env } from './proxy.js';

export interface TransportStats {
  /** Every request made, as "GET /path/info/refs" (no query, no headers). */
  requests: string[];
  /** upload-pack POSTs: each one asks the server for a pack. */
  packRequests: number;
  bytes: number;
}

export interface TransportOptions {
  timeoutMs: number;
  maxBytes: number;
  /** The Authorization header value for a URL's host, when a token is configured for it. */
  authFor: (url: URL) => string | undefined;
  env?: Env;
  stats?: TransportStats;
}

interface GitHttpRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
}

const MAX_REDIRECTS = 5;

export function newStats(): TransportStats {
  return { requests: [], packRequests: 0, bytes: 0 };
}

/** Why a network error happened, in words a user can act on. */
export function networkReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException & { proxyRefused?: boolean };
  if (e?.syscall === 'getaddrinfo') return 'the host name does not resolve (DNS)';
  if (e?.proxyRefused) return String(e.message);
  switch (e?.code) {
    case 'ECONNREFUSED':
      return 'the connection was refused (server down?)';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'the connection was reset';
    case 'ETIMEDOUT':
      return 'the connection timed out';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'the network is unreachable';
    default:
      if (typeof e?.code === 'string' && /CERT|SSL|TLS/.test(e.code)) return `TLS failed (${e.code})`;
      return `network error (${e?.code ?? 'unknown'})`;
  }
}

export class Transport {
  readonly controller = new AbortController();
  failure: { reason: string; code: 'ESOURCE_UNREACHABLE' } | null = null;
  private received = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly opts: TransportOptions) {
    this.timer = setTimeout(() => this.fail(`no answer within ${Math.round(opts.timeoutMs / 1000)} s (fetch.timeoutSeconds)`), opts.timeoutMs);
    this.timer.unref();
  }

  /** Record the first failure and abort every request in flight. */
  fail(reason: string): void {
    if (this.failure === null) this.failure = { reason, code: 'ESOURCE_UNREACHABLE' };
    this.controller.abort();
  }

  close(): void {
    clearTimeout(this.timer);
    this.controller.abort();
  }

  /** The object isomorphic-git calls. */
  get client(): HttpClient {
    return { request: (req) => this.request(req) as Promise<GitHttpResponse> };
  }

  private async request(req: GitHttpRequest, redirects = 0): Promise<unknown> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url);
    const stats = this.opts.stats;
    stats?.requests.push(`${method} ${url.pathname}`);
    if (method === 'POST' && url.pathname.endsWith('/git-upload-pack')) stats && stats.packRequests++;
    const chunks: Buffer[] = [];
    if (req.body) for await (const c of req.body) chunks.push(Buffer.from(c));
    const res = await this.send(url, method, req.headers ?? {}, chunks.length ? Buffer.concat(chunks) : undefined);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location && redirects < MAX_REDIRECTS) {
      res.resume();
      const next = new URL(res.headers.location, url);
      if (url.protocol === 'https:' && next.protocol !== 'https:') {
        this.fail(`the server redirected to a non-https URL`);
        throw new SkillsyncError('ESOURCE_UNREACHABLE', this.failure!.reason, {}, 'retry');
      }
      return this.request({ ...req, url: next.toString(), body: chunks }, redirects + 1);
    }
    if (status >= 500) this.fail(`the server answered HTTP ${status}`);
    else if (status === 401 || status === 403) this.fail(`the server refused access (HTTP ${status}); set a token with credentials.${url.hostname}.tokenEnv`);
    else if (status === 404) this.fail('the repository was not found (HTTP 404)');
    else if (status !== 200) this.fail(`the server answered HTTP ${status}`);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v;
    return { url: url.toString(), method, statusCode: status, statusMessage: res.statusMessage ?? '', headers, body: this.bodyOf(res) };
  }

  private async *bodyOf(res: IncomingMessage): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        this.received += chunk.length;
        if (this.opts.stats) this.opts.stats.bytes += chunk.length;
        if (this.received > this.opts.maxBytes) {
          this.fail(`the server sent more than ${this.opts.maxBytes} bytes (fetch.maxBytes)`);
          res.destroy();
          return;
        }
        yield chunk;
      }
    } catch (err) {
      this.fail(this.failure?.reason ?? `the answer was cut off: ${networkReason(err)}`);
    }
  }

  private async send(url: URL, method: string, headers: Record<string, string>, body: Buffer | undefined): Promise<IncomingMessage> {
    const h: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() !== 'authorization') h[k] = v;
    const auth = this.opts.authFor(url);
    if (auth !== undefined) h.authorization = auth;
    if (body) h['content-length'] = String(body.length);
    const env = this.opts.env ?? process.env;
    const proxy = proxyFor(env, url);
    const signal = this.controller.signal;
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    try {
      let req: http.ClientRequest;
      if (url.protocol === 'https:') {
        const base = { method, host: url.hostname, port, path: url.pathname + url.search, headers: h, signal, servername: url.hostname };
        if (proxy) {
          const socket = await tunnel(proxy, url.hostname, port, signal);
          req = https.request({ ...base, agent: false, createConnection: () => tls.connect({ socket, servername: url.hostname }) });
        } else req = https.request(base);
      } else if (proxy) {
        req = http.request({ method, host: proxy.hostname, port: proxy.port || 80, path: url.toString(), headers: { ...h, host: url.host, ...proxyAuthHeader(proxy) }, signal });
      } else {
        req = http.request({ method, host: url.hostname, port, path: url.pathname + url.search, headers: h, signal });
      }
      return await new Promise<IncomingMessage>((resolve, reject) => {
        req.once('response', resolve);
        req.once('error', reject);
        req.end(body);
      });
    } catch (err) {
      this.fail(this.failure?.reason ?? networkReason(err));
      throw new SkillsyncError('ESOURCE_UNREACHABLE', this.failure!.reason, {}, 'retry');
    }
  }
}

/** Basic auth with the token as password, as GitHub, GitLab and Gitea accept for git over https. */
export function tokenHeader(token: string, username = 'x-access-token'): string {
  return `Basic ${Buffer.from(`${username}:${token}`).toString('base64')}`;
}
