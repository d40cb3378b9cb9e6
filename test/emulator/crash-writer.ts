import { once } from 'node:events';
import { EmulatorStore } from '../../local/personalize/store';

// The writer that kill-9.test.ts kills: appends one event at a time to a state directory, compacting
// often, and prints each event's number once the store has accepted it (what a caller would be answered).
// Usage: node --import tsx test/emulator/crash-writer.ts <stateDir> <datasetGroupArn>

const [stateDir, group] = process.argv.slice(2) as [string, string];
const store = new EmulatorStore(stateDir, { compactLogBytes: 8 << 10 });
async function writeForever(): Promise<void> {
  for (let i = store.eventsAfter(group, 0).length; ; i++) {
    store.appendLive([
      {
        kind: 'event',
        datasetGroupArn: group,
        trackerArn: 'tracker',
        sessionId: `s${i % 13}`,
        eventId: `e${i}`,
        interaction: { userId: `u${i % 13}`, itemId: `i${i % 101}`, eventType: 'click', timestamp: i },
      },
    ]);
    // A full pipe queues the write: wait for it to drain, or the loop would never let it out.
    if (!process.stdout.write(`${i}\n`)) await once(process.stdout, 'drain');
  }
}

void writeForever();
