// Logging: winston, JSON lines when stderr is not a terminal (journald), readable
// lines on a terminal. The CLI logs warnings and errors only; the daemon logs info.
import winston from 'winston';

export interface Logger {
  error(msg: string, meta?: Record<string, unknown>): void;
  warn(msg: string, meta?: Record<string, unknown>): void;
  info(msg: string, meta?: Record<string, unknown>): void;
  debug(msg: string, meta?: Record<string, unknown>): void;
}

export function createLogger(level: string, opts: { json?: boolean } = {}): Logger {
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

export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };
