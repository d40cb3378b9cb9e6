/**
 * The emulator's time. Every timestamp it writes reads `Clock.now()`, and every timer it sets (status
 * transitions, automatic training) goes through `Scheduler.after()`, so a test that passes a ManualTime
 * moves time itself: it proves that nothing happens before a moment by advancing to just before it,
 * instead of sleeping through a window that a loaded machine may overrun.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** A step scheduled by `Scheduler.after()`. */
export interface Timer {
  /** The step will not run (nothing happens if it already ran). */
  cancel(): void;
}

export interface Scheduler {
  /** Runs `step` once `ms` milliseconds of the clock's time have passed. */
  after(ms: number, step: () => void): Timer;
}

/** One source of time: a clock and the scheduler that runs steps on that clock. */
export type Time = Clock & Scheduler;

/** setTimeout's longest wait (about 24.8 days); longer waits are made of several. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * The system clock and Node's timers. A timer does not keep the process alive by itself (the server
 * does), since some wait for weeks (the next automatic training).
 */
export const systemTime: Time = {
  now: () => Date.now(),
  after(ms, step) {
    const dueAt = Date.now() + Math.max(0, ms);
    let timer: NodeJS.Timeout;
    const arm = (): void => {
      timer = setTimeout(
        () => (Date.now() < dueAt ? arm() : step()),
        Math.min(Math.max(0, dueAt - Date.now()), MAX_TIMEOUT_MS),
      );
      timer.unref();
    };
    arm();
    return { cancel: () => clearTimeout(timer) };
  },
};

interface Pending {
  readonly dueAt: number;
  readonly order: number;
  readonly step: () => void;
}

/**
 * Time that moves only when told to, for tests: `advance(ms)` runs every step that falls due on the way,
 * in order of due time (then of scheduling), each at its own moment, and lets the work those steps start
 * (promises, I/O callbacks) run and schedule further steps before it looks for the next one. It turns the
 * event loop with setImmediate, so it is not for use under jest's fake timers.
 */
export class ManualTime implements Time {
  private current: number;
  private readonly pending = new Set<Pending>();
  private scheduled = 0;

  /** @param start the clock's reading at first, ms since the epoch (default: the system clock's now) */
  constructor(start: number = Date.now()) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  after(ms: number, step: () => void): Timer {
    const entry: Pending = { dueAt: this.current + Math.max(0, ms), order: this.scheduled++, step };
    this.pending.add(entry);
    return { cancel: () => this.pending.delete(entry) };
  }

  /** The number of steps waiting to run. */
  get waiting(): number {
    return this.pending.size;
  }

  /** Moves the clock `ms` forward, running each step that falls due, at its due time. */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new Error(`ManualTime.advance: ms must be 0 or more, got ${ms}`);
    const target = this.current + ms;
    for (;;) {
      await turnOfTheEventLoop();
      const next = this.nextDue(target);
      if (!next) break;
      this.pending.delete(next);
      this.current = Math.max(this.current, next.dueAt);
      next.step();
    }
    this.current = target;
  }

  private nextDue(target: number): Pending | undefined {
    let next: Pending | undefined;
    for (const entry of this.pending) {
      if (entry.dueAt > target) continue;
      if (!next || entry.dueAt < next.dueAt || (entry.dueAt === next.dueAt && entry.order < next.order))
        next = entry;
    }
    return next;
  }
}

/** Lets pending promise callbacks and I/O callbacks run. */
function turnOfTheEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
