/**
 * The benchmark's loader of live events, run in its own process so the load never comes from the event loop
 * under test: PutEvents calls of 10 events straight to the emulator, from 10 concurrent keep-alive loops.
 *
 *   tsx scripts/benchmark-load.ts <endpoint> <trackingId> <shape> <events> [userId]
 *
 * Shapes:
 * - `distinct`: every event on an item id never seen before (a catalogue far larger than the trained one, or
 *   anyone with a key sending made-up ids), all from one user;
 * - `realistic`: the sample data's own interactions replayed in order (its users and items), live;
 * - `user`: every event from `userId`, on the items the sample data's users interact with, in their order.
 *
 * Prints the seconds it took on stdout; exits non-zero when a call failed.
 */
import { Agent, request } from 'node:http';
import { readSampleData } from '../local/personalize/model/sampleData';

const BATCH = 10;
const LOOPS = 10;

interface LiveEvent {
  readonly userId: string;
  readonly itemId: string;
  readonly eventType: string;
}

function eventSource(shape: string, userId: string): (n: number) => LiveEvent {
  if (shape === 'distinct') return (n) => ({ userId, itemId: `distinct-${n}`, eventType: 'click' });
  const interactions = readSampleData().interactions;
  const at = (n: number) =>
    interactions[n % interactions.length] ?? { userId, itemId: '1', eventType: 'click' };
  if (shape === 'realistic') return (n) => at(n);
  if (shape === 'user') return (n) => ({ ...at(n), userId });
  throw new Error(`unknown shape ${shape}: distinct, realistic or user`);
}

async function main(): Promise<void> {
  const [endpoint, trackingId, shape = 'distinct', count = '0', userId = 'load'] = process.argv.slice(2);
  if (!endpoint || !trackingId)
    throw new Error('usage: benchmark-load.ts <endpoint> <trackingId> <shape> <events>');
  const total = Number(count);
  const eventAt = eventSource(shape, userId);
  const agent = new Agent({ keepAlive: true, maxSockets: LOOPS });
  const sentAt = Math.floor(Date.now() / 1000);
  const post = (body: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = request(
        `${endpoint}/events`,
        { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: LOOPS }, async () => {
      while (next < total) {
        const first = next;
        next += BATCH;
        const events = Array.from({ length: Math.min(BATCH, total - first) }, (_, k) => eventAt(first + k));
        // One call holds one user's events (PutEvents takes one userId): a realistic batch is split by user.
        for (const user of new Set(events.map((e) => e.userId))) {
          const body = JSON.stringify({
            trackingId,
            userId: user,
            sessionId: `load-${user}`,
            eventList: events
              .filter((e) => e.userId === user)
              .map((e) => ({ eventType: e.eventType, itemId: e.itemId, sentAt })),
          });
          const status = await post(body);
          if (status !== 200) throw new Error(`PutEvents answered ${status}`);
        }
      }
    }),
  );
  agent.destroy();
  console.log(((performance.now() - started) / 1000).toFixed(1));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
