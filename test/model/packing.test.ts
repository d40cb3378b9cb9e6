import { loadModel, Pacer, train } from '../../local/personalize/model';
import { CollaborativeModel, type CollaborativeSnapshot } from '../../local/personalize/model/collaborative';
import { readSampleData } from '../../local/personalize/model/sampleData';
import type { LiveContext } from '../../local/personalize/model';

const data = readSampleData();
const live: LiveContext = { userEvents: [], newItems: [] };

describe('the stored form of a collaborative model', () => {
  let model: CollaborativeModel;
  beforeAll(async () => {
    model = (await train('aws-user-personalization', data, new Pacer(20_000, () => Promise.resolve())))
      .model as CollaborativeModel;
  });

  it('writes its large lists as a few packed strings, not millions of JSON numbers, and reads them back exactly', () => {
    const json = JSON.parse(JSON.stringify(model.serialize())) as Record<string, unknown>;
    expect(json['neighbours']).toBeUndefined();
    expect(json['histories']).toBeUndefined();
    expect(
      Object.values(json['packed'] as object).every((v) => typeof v === 'string' || Array.isArray(v)),
    ).toBe(true);
    const restored = loadModel(json) as CollaborativeModel;
    expect(restored.serialize()).toEqual(model.serialize());
    expect(restored.recommend({ userId: '429', numResults: 50, live })).toEqual(
      model.recommend({ userId: '429', numResults: 50, live }),
    );
  });

  it('packs while training, paced, so that writing it later is not a long block', () => {
    // train() prepared the packed form: JSON.stringify finds it ready (a model never packed packs on the spot).
    const fresh = new CollaborativeModel('aws-user-personalization', model.serialize());
    expect(JSON.stringify(fresh.serialize())).toBe(JSON.stringify(model.serialize()));
  });

  it('still reads snapshots written before packing (plain lists)', () => {
    const { packed: _packed, ...plain } = {
      ...model.serialize(),
      packed: undefined,
    } as CollaborativeSnapshot & { packed?: unknown };
    const restored = loadModel(JSON.parse(JSON.stringify({ ...plain })) as unknown);
    expect(restored.recommend({ userId: '429', numResults: 25, live })).toEqual(
      model.recommend({ userId: '429', numResults: 25, live }),
    );
  });
});
