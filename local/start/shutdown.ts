/**
 * How local mode stops: what was started, stopped in reverse order (on close, or when a later step of the
 * start fails); for the command line, Ctrl-C and SIGTERM, and the backstop for errors nothing handled.
 */

/** What was started, stopped in reverse order on close or when a later step fails. */
export class Stops {
  private readonly stops: Array<() => Promise<void> | void> = [];

  constructor(private readonly log: (line: string) => void) {}

  push(stop: () => Promise<void> | void): void {
    this.stops.push(stop);
  }

  async stopAll(): Promise<void> {
    for (const stop of this.stops.reverse().splice(0)) {
      try {
        await stop();
      } catch (error) {
        this.log(`local mode: while stopping: ${String(error)}`);
      }
    }
  }
}

/** What the signal handlers stop: the running local mode. */
interface Stoppable {
  readonly stateDir: string;
  close(): Promise<void>;
}

export function stopOnSignals(local: Stoppable): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping local mode...`);
    local.close().then(
      () => {
        console.log('Stopped. State kept in', local.stateDir);
        process.exit(0);
      },
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

/**
 * Ctrl-C (or SIGTERM) during start-up: says so, and aborts the start, which stops what it started once the
 * step under way ends (an import or a training can take a while). A second Ctrl-C quits at once. Returns
 * what removes the handlers, once the start is over.
 */
export function abortOnSignals(startUp: AbortController): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (startUp.signal.aborted) {
      console.log(`\n${signal} again: quitting now. The state directory is kept as it is.`);
      process.exit(130);
    }
    console.log(
      `\n${signal} during start-up: stopping once the current step ends (Ctrl-C again to quit at once)...`,
    );
    startUp.abort(new Error(`${signal} during start-up`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

/**
 * The backstop of the command line (not of startLocalMode): an error nothing handled is a bug, so it is
 * logged and local mode stops, releasing its state directory, and exits non-zero rather than serving on in
 * an unknown state. The servers answer every request themselves; this is not how they survive one.
 */
export function exitOnUnexpectedErrors(running: () => Stoppable | undefined): void {
  let failing = false;
  const fail = (kind: string, error: unknown) => {
    console.error(
      `\nLocal mode stopped on an ${kind}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    if (failing) process.exit(1);
    failing = true;
    setTimeout(() => process.exit(1), 5000).unref();
    const exit = () => process.exit(1);
    void (running()?.close() ?? Promise.resolve()).then(exit, exit);
  };
  process.on('unhandledRejection', (error) => fail('unhandled rejection', error));
  process.on('uncaughtException', (error) => fail('uncaught exception', error));
}
