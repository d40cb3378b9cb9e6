/**
 * Structured logging: one JSON object per line on stdout (CloudWatch Logs Insights and local mode read
 * them as is), with the level, the message, the service and the current request id.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const LEVELS = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40, SILENT: 100 } as const;
type Level = Exclude<keyof typeof LEVELS, 'SILENT'>;

/** Errors as plain fields: `JSON.stringify(new Error())` would give `{}`. */
function serialize(value: unknown): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, stack: value.stack };
  }
  return value;
}

export class Logger {
  // Per async context rather than a field: local mode runs concurrent requests in one process.
  private readonly context = new AsyncLocalStorage<{ requestId: string | undefined }>();

  constructor(private readonly service: string) {}

  /** Runs `work` with every line it logs tagged with `requestId`. */
  withRequestId<T>(requestId: string | undefined, work: () => Promise<T>): Promise<T> {
    return this.context.run({ requestId }, work);
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.write('DEBUG', message, fields);
  }

  info(message: string, fields?: Record<string, unknown>): void {
    this.write('INFO', message, fields);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.write('WARN', message, fields);
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.write('ERROR', message, fields);
  }

  private write(level: Level, message: string, fields: Record<string, unknown> = {}): void {
    // Read per call, so a test or an operator can change the level without reloading the module.
    const threshold =
      LEVELS[(process.env.LOG_LEVEL?.toUpperCase() ?? 'INFO') as keyof typeof LEVELS] ?? LEVELS.INFO;
    if (LEVELS[level] < threshold) return;
    const line: Record<string, unknown> = {
      timestamp: new Date().toISOString(),
      level,
      service: this.service,
      message,
      requestId: this.context.getStore()?.requestId,
    };
    for (const [key, value] of Object.entries(fields)) line[key] = serialize(value);
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
}

export const logger = new Logger(process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'recommendations-api');
