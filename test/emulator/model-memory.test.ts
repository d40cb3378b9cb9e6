import { expect } from '@jest/globals';
import {
  CreateCampaignCommand,
  CreateSolutionVersionCommand,
  UpdateCampaignCommand,
} from '@aws-sdk/client-personalize';
import { GetRecommendationsCommand } from '@aws-sdk/client-personalize-runtime';
import { loadModel, train } from '../../local/personalize/model';
import type { ModelModule } from '../../local/personalize';
import { provision, settle, startHarness, type Harness } from './harness';

// A version no campaign serves is released from memory: a campaign moved to a newer version does not keep the
// old model loaded, so training version after version does not grow the emulator's memory.

jest.setTimeout(120_000);

let h: Harness;
const loaded: string[] = [];
const models: ModelModule = {
  train,
  loadModel: (snapshot) => {
    loaded.push((snapshot as { recipe: string }).recipe);
    return loadModel(snapshot);
  },
};

beforeAll(async () => {
  h = await startHarness({ models });
});
afterAll(() => h.close());

async function trainVersion(solutionArn: string): Promise<string> {
  const { solutionVersionArn = '' } = await h.personalize.send(
    new CreateSolutionVersionCommand({ solutionArn }),
  );
  await settle(h, 'solutionVersion', solutionVersionArn);
  return solutionVersionArn;
}

async function recommend(campaignArn: string): Promise<void> {
  const { itemList = [] } = await h.runtime.send(
    new GetRecommendationsCommand({ campaignArn, userId: 'user-1', numResults: 5 }),
  );
  expect(itemList).toHaveLength(5);
}

test('a model no campaign serves any more is released, and loaded again from its snapshot when served', async () => {
  const p = await provision(h, 'memory');
  await recommend(p.campaignArn);
  const second = await trainVersion(p.solutionArn);
  await h.personalize.send(
    new UpdateCampaignCommand({ campaignArn: p.campaignArn, solutionVersionArn: second }),
  );
  await settle(h, 'campaign', p.campaignArn);
  await recommend(p.campaignArn);
  // Training the third releases the first: no campaign serves it.
  await trainVersion(p.solutionArn);
  loaded.length = 0;
  const { campaignArn = '' } = await h.personalize.send(
    new CreateCampaignCommand({ name: 'memory-first-again', solutionVersionArn: p.solutionVersionArn }),
  );
  await settle(h, 'campaign', campaignArn);
  await recommend(campaignArn);
  // The first version's model came back from its snapshot; the second, still served, was never dropped.
  expect(loaded).toEqual(['aws-user-personalization']);
  loaded.length = 0;
  await recommend(p.campaignArn);
  expect(loaded).toEqual([]);
});
