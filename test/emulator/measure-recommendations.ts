import { Agent, request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { ITEM_COUNT, itemId, provision, startHarness } from './harness';

// GetRecommendations per second straight to the emulator (no gateway) as live events accumulate since
// training (not a test: run by hand, once): npx tsx test/emulator/measure-recommendations.ts [1000000]

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

function post(endpoint: string, path: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${endpoint}${path}`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** Runs `call` from `concurrency` loops for `seconds`; calls per second. */
async function rate(
  seconds: number,
  concurrency: number,
  call: (i: number) => Promise<number>,
): Promise<number> {
  const end = Date.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const status = await call(done);
        if (status !== 200) throw new Error(`status ${status}`);
        done++;
      }
    }),
  );
  return done / seconds;
}

async function main(): Promise<void> {
  const target = Number(process.argv[2] ?? 1_000_000);
  const h = await startHarness();
  const p = await provision(h, 'measure');
  const endpoint = h.emulator.endpoint;
  const recommend = (i: number) =>
    post(endpoint, '/recommendations', {
      campaignArn: p.campaignArn,
      userId: `user-${i % 30}`,
      numResults: 25,
    });
  let sent = 0;
  const report = async () => {
    const perSecond = await rate(5, 8, recommend);
    const load = loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
    console.log(`${sent} live events: ${perSecond.toFixed(0)} GetRecommendations/s (load ${load})`);
  };
  console.log(`${cpus().length} x ${cpus()[0]?.model ?? '?'}, Node.js ${process.version}`);
  await report();
  for (const checkpoint of [80_000, target]) {
    await sendEvents(endpoint, p.trackingId, sent, checkpoint);
    sent = checkpoint;
    await report();
  }
  await h.close();
}

/** PutEvents calls of 10 events from 16 loops, events `from` to `to`, users spread over 10,000. */
async function sendEvents(endpoint: string, trackingId: string, from: number, to: number): Promise<void> {
  let next = from;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let n = next; n < to; n = next) {
        next += 10;
        const user = (n / 10) % 10_000;
        const status = await post(endpoint, '/events', {
          trackingId,
          userId: `user-${user}`,
          sessionId: `s-${user}`,
          eventList: Array.from({ length: 10 }, (_, j) => ({
            eventType: 'click',
            itemId: itemId((n + j) % ITEM_COUNT),
            sentAt: 1_700_000_000 + n + j,
          })),
        });
        if (status !== 200) throw new Error(`PutEvents: status ${status}`);
      }
    }),
  );
}

void main();
