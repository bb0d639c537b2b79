// A logger whose level can change on reload without handing out a new object.
import { createLogger, type Logger } from '../log.js';

export class SwitchableLogger implements Logger {
  private constructor(private target: Logger) {}
  static async create(level: string): Promise<SwitchableLogger> {
    return new SwitchableLogger(await createLogger(level));
  }
  async setLevel(level: string): Promise<void> {
    this.target = await createLogger(level);
  }
  error(msg: string, meta?: Record<string, unknown>): void {
    this.target.error(msg, meta);
  }
  warn(msg: string, meta?: Record<string, unknown>): void {
    this.target.warn(msg, meta);
  }
  info(msg: string, meta?: Record<string, unknown>): void {
    this.target.info(msg, meta);
  }
  debug(msg: string, meta?: Record<string, unknown>): void {
    this.target.debug(msg, meta);
  }
}
