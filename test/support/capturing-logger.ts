import type { LoggerService } from '@nestjs/common';

/** A Nest logger that keeps every line, to check what the library would print. */
export class CapturingLogger implements LoggerService {
  readonly lines: { level: string; text: string }[] = [];

  log = (...parts: unknown[]) => this.keep('log', parts);
  error = (...parts: unknown[]) => this.keep('error', parts);
  warn = (...parts: unknown[]) => this.keep('warn', parts);
  debug = (...parts: unknown[]) => this.keep('debug', parts);
  verbose = (...parts: unknown[]) => this.keep('verbose', parts);

  get text(): string {
    return this.lines.map((line) => `${line.level} ${line.text}`).join('\n');
  }

  private keep(level: string, parts: unknown[]): void {
    this.lines.push({ level, text: parts.map((part) => String(part)).join(' ') });
  }
}
