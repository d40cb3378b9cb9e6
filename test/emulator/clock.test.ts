import { afterEach, describe, expect, jest, test } from '@jest/globals';
import { ManualTime, systemTime } from '../../local/personalize';

describe('ManualTime (the emulator time tests move)', () => {
  test('reads the start it was given, and moves only when advanced', async () => {
    const time = new ManualTime(1_000);
    expect(time.now()).toBe(1_000);
    await time.advance(250);
    expect(time.now()).toBe(1_250);
    await time.advance(0);
    expect(time.now()).toBe(1_250);
  });

  test('runs each step at its own due time, in order of due time then of scheduling, and none early', async () => {
    const time = new ManualTime(0);
    const ran: string[] = [];
    const record = (name: string) => () => ran.push(`${name}@${time.now()}`);
    time.after(300, record('c'));
    time.after(100, record('a'));
    time.after(100, record('b'));
    await time.advance(99);
    expect(ran).toEqual([]);
    expect(time.waiting).toBe(3);
    await time.advance(1);
    expect(ran).toEqual(['a@100', 'b@100']);
    await time.advance(1_000);
    expect(ran).toEqual(['a@100', 'b@100', 'c@300']);
    expect(time.now()).toBe(1_100);
    expect(time.waiting).toBe(0);
  });

  test('a cancelled step never runs', async () => {
    const time = new ManualTime(0);
    const ran: string[] = [];
    const timer = time.after(10, () => ran.push('cancelled'));
    time.after(20, () => ran.push('kept'));
    timer.cancel();
    await time.advance(1_000);
    expect(ran).toEqual(['kept']);
  });

  test('steps scheduled by a step, or by work it started, run within the same advance when they fall due in it', async () => {
    const time = new ManualTime(0);
    const ran: number[] = [];
    time.after(10, () => {
      ran.push(time.now());
      // Work that continues after a promise, then schedules its next step (as a lifecycle's does).
      void Promise.resolve().then(() => time.after(10, () => ran.push(time.now())));
      time.after(5, () => ran.push(time.now()));
    });
    await time.advance(100);
    expect(ran).toEqual([10, 15, 20]);
  });

  test('refuses to move backwards', async () => {
    await expect(new ManualTime(0).advance(-1)).rejects.toThrow(/0 or more, got -1/);
  });
});

describe('systemTime (the system clock and Node timers)', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  test('reads the system clock', () => {
    jest.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    expect(systemTime.now()).toBe(Date.UTC(2026, 0, 1));
  });

  test('runs a step after its delay, not before, and not once cancelled', () => {
    jest.useFakeTimers({ now: 0 });
    const ran: string[] = [];
    systemTime.after(100, () => ran.push('due'));
    systemTime.after(100, () => ran.push('cancelled')).cancel();
    jest.advanceTimersByTime(99);
    expect(ran).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(ran).toEqual(['due']);
    jest.advanceTimersByTime(1_000);
    expect(ran).toEqual(['due']);
  });

  test('waits longer than one setTimeout can (about 24.8 days): a 30-day step runs at 30 days', () => {
    jest.useFakeTimers({ now: 0 });
    const day = 24 * 60 * 60 * 1000;
    const ran: number[] = [];
    const timer = systemTime.after(30 * day, () => ran.push(Date.now()));
    jest.advanceTimersByTime(30 * day - 1);
    expect(ran).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(ran).toEqual([30 * day]);
    timer.cancel();
  });

  test('a long wait can be cancelled in its second stretch', () => {
    jest.useFakeTimers({ now: 0 });
    const day = 24 * 60 * 60 * 1000;
    const ran: string[] = [];
    const timer = systemTime.after(30 * day, () => ran.push('ran'));
    jest.advanceTimersByTime(26 * day);
    timer.cancel();
    jest.advanceTimersByTime(10 * day);
    expect(ran).toEqual([]);
  });
});
