// Types of http-git-server.js (plain JavaScript, shared with bench/ and test/real/).
import type http from 'node:http';

export interface ServerSwitches {
  /** Require `Authorization: Basic x-access-token:<token>`. */
  token?: string;
  /** Answer every request with HTTP 500. */
  fail500?: boolean;
  /** Cut upload-pack answers after this many bytes. */
  truncateAt?: number;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Extra environment for git http-backend (GIT_CONFIG_COUNT/KEY_n/VALUE_n). */
  gitConfig?: Record<string, string>;
}

export interface GitHttpServer {
  /** http://127.0.0.1:<port>/ ; repositories are served by their path under `root`. */
  base: string;
  port: number;
  switches: ServerSwitches;
  /** Requests seen, as "GET /repo.git/info/refs". */
  log: string[];
  /** upload-pack POSTs, optionally only from user agents matching `agent`. */
  packPosts(agent?: RegExp): number;
  /** Stop listening (connections are refused) and listen again on the same port. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export function gitHttpHandler(root: string, switches: ServerSwitches, log: { push(e: { line: string; agent: string }): void }): http.RequestListener;
export function startGitServer(root: string, opts?: { port?: number }): Promise<GitHttpServer>;
