/**
 * The training worker (see worker-training.ts): receives the data in chunks, trains, and answers with the
 * model's stored form (JSON, its large lists packed) and its metrics.
 */
import { parentPort } from 'node:worker_threads';
import { errorMessage } from '../../../lambda/shared/service-errors';
import { train } from './index';
import { Pacer } from './shared';
import type { Interaction, Item } from './types';
import type { FromWorker, ToWorker } from './worker-training';

const interactions: Interaction[] = [];
/** The strings of the chunks so far, by number. */
const strings: string[] = [];
let items: readonly Item[] = [];

function reply(message: FromWorker): void {
  parentPort?.postMessage(message);
}

parentPort?.on('message', (message: ToWorker) => {
  if (message.type === 'interactions') {
    strings.push(...message.strings);
    for (let k = 0; k < message.users.length; k++) {
      interactions.push({
        userId: strings[message.users[k] as number] as string,
        itemId: strings[message.items[k] as number] as string,
        eventType: strings[message.eventTypes[k] as number] as string,
        timestamp: message.timestamps[k] as number,
      });
    }
  } else if (message.type === 'items') {
    items = message.items;
  } else {
    // Nothing else runs on this thread: no turns to give.
    train(message.recipe, { interactions, items }, new Pacer(Infinity))
      .then(({ model, metrics }) =>
        reply({ type: 'trained', snapshot: JSON.stringify(model.serialize()), metrics }),
      )
      .catch((error: unknown) => reply({ type: 'failed', message: errorMessage(error) }));
  }
});
