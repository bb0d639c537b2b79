// Logging. The daemon logs with winston: JSON lines when stderr is not a terminal
// (journald), readable lines on a terminal. One-shot commands use a plain stderr
// logger so that they do not pay winston's import cost on every invocation.

export interface Logger {
  error(msg: string, meta?: Record<string, unknown>): void;
  warn(msg: string, meta?: Record<string, unknown>): void;
  info(msg: string, meta?: Record<string, unknown>): void;
  debug(msg: string, meta?: Record<string, unknown>): void;
}

export async function createLogger(level: string, opts: { json?: boolean } = {}): Promise<Logger> {
  const { default: winston } = await import('winston');
  const json = opts.json ?? !process.stderr.isTTY;
  const format = json
    ? winston.format.combine(winston.format.timestamp(), winston.format.json())
    : winston.format.combine(
        winston.format.timestamp({ format: 'HH:mm:ss' }),
        winston.format.printf(({ timestamp, level: l, message, ...meta }) => {
          const extra = Object.keys(meta).length ? ' ' + Object.entries(meta).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' ') : '';
          return `${timestamp} ${l} ${message}${extra}`;
        }),
      );
  // Everything to stderr: stdout is for command output (and --json).
  return winston.createLogger({
    level,
    format,
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug', 'verbose', 'silly'] })],
  });
}

const LEVELS = ['error', 'warn', 'info', 'debug'];

/** `skillsync: warning: ...` lines on stderr, for one-shot commands. */
export function stderrLogger(level: string): Logger {
  const max = LEVELS.indexOf(level);
  const at = (l: string) => (msg: string) => {
    if (LEVELS.indexOf(l) <= max) process.stderr.write(`skillsync: ${l === 'warn' ? 'warning' : l}: ${msg}\n`);
  };
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}
