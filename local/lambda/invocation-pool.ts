/**
 * Local mode's invocation workers: the unchanged handlers run on worker threads, as Lambda runs invocations in
 * execution environments of their own, so the gateway's thread keeps only its HTTP, routing, key check and reply.
 * Each worker loads a handler module once, on its first invocation there (a cold start), and runs invocations as
 * they come, several at once: the model of Lambda Managed Instances' Node.js runtime (worker threads, async
 * invocations sharing a thread, initialization once per worker:
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-managed-instances-nodejs-runtime.html) rather than the
 * default one invocation at a time per environment
 * (https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html), which measured slower here: it needs a
 * thread per invocation under way. The handlers keep per-invocation state in AsyncLocalStorage, so sharing a
 * thread is safe. An invocation goes to the worker with the fewest under way.
 *
 * The caller keeps what is the invoker's: the integration timeout, the reading of the result, the context it
 * builds (rebuilt on the worker with the same function name, request id and deadline). What the handlers write to
 * stdout (their log lines, their EMF metrics) comes back with each answer and is written to this process's
 * stdout, where the EMF tap and the terminal take it as before. A worker that dies fails its invocations under
 * way (the caller answers them as a function error) and the next invocation starts another.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Context } from 'aws-lambda';

/** The context's fields, which cross to the worker (a context's methods cannot). */
interface ContextFields {
  readonly functionName: string;
  readonly region: string;
  readonly accountId: string;
  readonly memoryLimitInMB: number;
  readonly requestId: string;
  /** Epoch ms. */
  readonly deadline: number;
}

export type ToWorker =
  | {
      readonly type: 'invoke';
      readonly id: number;
      /** The handler module's path (without extension). */
      readonly module: string;
      readonly event: unknown;
      readonly context: ContextFields;
    }
  | { readonly type: 'environment'; readonly values: Readonly<Record<string, string | undefined>> };

export type FromWorker =
  | { readonly type: 'result'; readonly id: number; readonly value: unknown; readonly output: string[] }
  | { readonly type: 'failed'; readonly id: number; readonly error: string; readonly output: string[] }
  | { readonly type: 'output'; readonly output: string[] };

interface InvocationPoolOptions {
  /** Worker threads; at least 1. */
  readonly size: number;
  /** The folder of the handler modules (`<handlersDir>/<name>.ts`). */
  readonly handlersDir: string;
  /** Where a worker's death is reported. */
  readonly log: (line: string) => void;
}

/** A handler's failure as the worker described it: `stack` is its stack there, as an in-process throw logs it. */
export class HandlerError extends Error {
  constructor(description: string) {
    super(description.split('\n')[0] ?? description);
    this.name = 'HandlerError';
    this.stack = description;
  }
}

const WORKER = join(__dirname, 'invocation-worker.ts');
/** TypeScript on the worker through tsx's require hook, as the training worker starts (also under jest). */
const BOOTSTRAP = `require('tsx/cjs/api').register(); require(${JSON.stringify(WORKER)});`;

interface Call {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  readonly calls: Map<number, Call>;
}

export class InvocationPool {
  private readonly slots: Array<Slot | undefined>;
  private nextId = 0;
  private closed = false;

  constructor(private readonly options: InvocationPoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) {
      throw new Error(`an invocation pool needs at least one worker, got ${options.size}`);
    }
    this.slots = Array.from({ length: options.size }, () => this.startWorker());
  }

  /** The handler `name` of the handlers' folder, invoked on a worker. */
  handler<H extends (event: never, context: Context) => Promise<unknown>>(name: string): H {
    const module = join(this.options.handlersDir, name);
    return ((event: unknown, context: Context) => this.invoke(module, event, context)) as unknown as H;
  }

  /** Runs the module's handler with `event` and a context like `context` on the least busy worker. */
  invoke(module: string, event: unknown, context: Context): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the invocation workers are stopped'));
    const slot = this.leastBusy();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.calls.set(id, { resolve, reject });
      const message: ToWorker = { type: 'invoke', id, module, event, context: contextFields(context) };
      try {
        slot.worker.postMessage(message);
      } catch (error) {
        // An event that cannot be cloned: nothing was sent.
        slot.calls.delete(id);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Sets variables (undefined removes one) in every worker's environment, for the invocations after. */
  setEnvironment(values: Readonly<Record<string, string | undefined>>): void {
    for (const slot of this.slots)
      slot?.worker.postMessage({ type: 'environment', values } satisfies ToWorker);
  }

  /** Stops every worker; invocations under way fail. */
  async close(): Promise<void> {
    this.closed = true;
    const workers = this.slots.flatMap((slot) => (slot ? [slot.worker] : []));
    this.slots.fill(undefined);
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private leastBusy(): Slot {
    let best: Slot | undefined;
    for (let index = 0; index < this.slots.length; index++) {
      // A worker that died is replaced by the next invocation, not at once: one failing at start never loops.
      const slot = (this.slots[index] ??= this.startWorker());
      if (!best || slot.calls.size < best.calls.size) best = slot;
    }
    return best as Slot;
  }

  private startWorker(): Slot {
    // The environment as it is now (the handlers' endpoints and ARNs, set before the pool starts); later
    // changes come through setEnvironment.
    const worker = new Worker(BOOTSTRAP, { eval: true, env: { ...process.env } });
    // An idle worker keeps nothing alive; an invocation under way is kept by its caller's timeout.
    worker.unref();
    const { threadId } = worker;
    const slot: Slot = { worker, calls: new Map() };
    let crash: unknown;
    worker.on('message', (message: FromWorker) => this.answer(slot, message));
    worker.on('error', (error) => (crash = error));
    worker.on('exit', (code) => {
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots[index] = undefined;
      const reason = `the invocation worker stopped (exit code ${code})${crash === undefined ? '' : `: ${describe(crash)}`}`;
      if (!this.closed) {
        this.options.log(`invocation worker ${threadId}: ${reason}; the next invocation starts another`);
      }
      for (const call of slot.calls.values()) call.reject(new Error(reason));
      slot.calls.clear();
    });
    return slot;
  }

  private answer(slot: Slot, message: FromWorker): void {
    // Written here as the handlers wrote them in-process: one write each, so the EMF tap sees its lines whole.
    for (const chunk of message.output) process.stdout.write(chunk);
    if (message.type === 'output') return;
    const call = slot.calls.get(message.id);
    if (!call) return;
    slot.calls.delete(message.id);
    if (message.type === 'result') call.resolve(message.value);
    else call.reject(new HandlerError(message.error));
  }
}

function contextFields(context: Context): ContextFields {
  // arn:aws:lambda:<region>:<account>:function:<name>
  const [, , , region = '', accountId = ''] = context.invokedFunctionArn.split(':');
  return {
    functionName: context.functionName,
    region,
    accountId,
    memoryLimitInMB: Number(context.memoryLimitInMB),
    requestId: context.awsRequestId,
    deadline: Date.now() + context.getRemainingTimeInMillis(),
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
