/**
 * An invocation worker (see invocation-pool.ts): loads each handler module once, on its first invocation, runs
 * invocations as they arrive with a context rebuilt from the invoker's, and answers each with the result or the
 * error's stack. What the handlers write to stdout goes back with the next answer, or on its own at the end of
 * the turn when no answer is due.
 */
import { parentPort } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import { createLambdaContext } from './lambda-context';
import type { FromWorker, ToWorker } from './invocation-pool';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const handlers = new Map<string, Promise<Handler>>();
let output: string[] = [];
let flushQueued = false;

function takeOutput(): string[] {
  const taken = output;
  output = [];
  return taken;
}

function send(message: FromWorker): void {
  parentPort?.postMessage(message);
}

/** stdout kept for the invoker's thread, which writes it where the handlers' lines go in-process. */
process.stdout.write = (chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
  output.push(
    typeof chunk === 'string'
      ? chunk
      : Buffer.from(chunk as Uint8Array).toString(
          typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8',
        ),
  );
  if (!flushQueued) {
    flushQueued = true;
    setImmediate(() => {
      flushQueued = false;
      if (output.length > 0) send({ type: 'output', output: takeOutput() });
    });
  }
  const done = typeof encoding === 'function' ? encoding : callback;
  if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
  return true;
};

/** The module's `handler`, loaded once. */
function load(module: string): Promise<Handler> {
  let loaded = handlers.get(module);
  if (!loaded) {
    loaded = Promise.resolve().then(() => {
      // The handlers are TypeScript, loaded through tsx's require hook (registered by the bootstrap).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const exports = require(module) as { handler?: unknown };
      if (typeof exports.handler !== 'function')
        throw new Error(`${module} does not export a handler function`);
      return exports.handler as Handler;
    });
    // A module that failed to load is tried again by the next invocation, as Lambda retries a failed init.
    loaded.catch(() => handlers.delete(module));
    handlers.set(module, loaded);
  }
  return loaded;
}

async function invoke(message: Extract<ToWorker, { type: 'invoke' }>): Promise<void> {
  const { id, context } = message;
  let value: unknown;
  try {
    const handler = await load(message.module);
    value = await handler(
      message.event,
      createLambdaContext({
        functionName: context.functionName,
        region: context.region,
        accountId: context.accountId,
        memoryLimitInMB: context.memoryLimitInMB,
        requestId: context.requestId,
        deadline: context.deadline,
      }),
    );
  } catch (error) {
    send({ type: 'failed', id, error: describe(error), output: takeOutput() });
    return;
  }
  const out = takeOutput();
  try {
    send({ type: 'result', id, value, output: out });
  } catch (error) {
    // A result that cannot be cloned (a function in it) is no proxy result: the invoker answers it as an error.
    send({
      type: 'failed',
      id,
      error: `the handler's result cannot be returned: ${describe(error)}`,
      output: out,
    });
  }
}

parentPort?.on('message', (message: ToWorker) => {
  if (message.type === 'invoke') {
    void invoke(message);
    return;
  }
  for (const [name, value] of Object.entries(message.values)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
