// Proxies from the environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, as curl reads
// them): isomorphic-git's bundled node client ignores them, so the transport asks here.
// An https request through a proxy is a CONNECT tunnel (node:http alone suffices);
// an http request goes to the proxy with the absolute URL.
import http from 'node:http';
import type { Socket } from 'node:net';

export type Env = Record<string, string | undefined>;

function envVar(env: Env, name: string): string | undefined {
  const v = env[name.toLowerCase()] ?? env[name.toUpperCase()];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** True when NO_PROXY lists the host: `*`, an exact name, a domain suffix (`.corp` or `corp`), host:port. */
export function bypassesProxy(env: Env, host: string, port: string): boolean {
  const list = envVar(env, 'no_proxy');
  if (list === undefined) return false;
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  for (let item of list.split(/[\s,]+/)) {
    item = item.toLowerCase();
    if (item === '') continue;
    if (item === '*') return true;
    const m = /^(.*?)(?::(\d+))?$/.exec(item)!;
    const name = m[1]!.replace(/^\*?\./, '').replace(/^\[|\]$/g, '');
    if (m[2] !== undefined && m[2] !== port) continue;
    if (h === name || h.endsWith('.' + name)) return true;
  }
  return false;
}

/** The proxy for a URL, or null for a direct connection. */
export function proxyFor(env: Env, url: URL): URL | null {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const raw = url.protocol === 'https:' ? envVar(env, 'https_proxy') : envVar(env, 'http_proxy');
  if (raw === undefined || bypassesProxy(env, url.hostname, port)) return null;
  try {
    const p = new URL(raw.includes('://') ? raw : `http://${raw}`);
    return p.protocol === 'http:' ? p : null;
  } catch {
    return null;
  }
}

/** Proxy-Authorization for a proxy URL with user:password, if any. */
export function proxyAuthHeader(proxy: URL): Record<string, string> {
  if (!proxy.username) return {};
  const cred = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(cred).toString('base64')}` };
}

/** A raw socket to host:port through the proxy's CONNECT. */
export function tunnel(proxy: URL, host: string, port: string, signal: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const target = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const req = http.request({ host: proxy.hostname, port: proxy.port || 80, method: 'CONNECT', path: target, headers: { host: target, ...proxyAuthHeader(proxy) }, signal });
    req.once('connect', (res, socket) => {
      if (res.statusCode === 200) return resolve(socket);
      socket.destroy();
      reject(Object.assign(new Error(`proxy ${proxy.host} refused the tunnel to ${target}: HTTP ${res.statusCode}`), { proxyRefused: true }));
    });
    req.once('error', reject);
    req.end();
  });
}
