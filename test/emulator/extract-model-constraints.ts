/**
 * Writes personalize-model-constraints.json: the input constraints botocore's service-2 models declare for
 * the Personalize operations the system uses, flattened to one entry per member path (`tags[].tagKey`).
 * model-constraints.test.ts reads that file; the emulator never reads the models.
 *
 *   npx tsx test/emulator/extract-model-constraints.ts <botocore-data-dir> <botocore-version> <botocore-commit>
 *
 * where <botocore-data-dir> holds personalize.json, personalize-events.json and personalize-runtime.json
 * (botocore/data/<service>/<version>/service-2.json).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Shape {
  readonly type: string;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
  readonly required?: readonly string[];
  readonly members?: Record<string, { readonly shape: string }>;
  readonly member?: { readonly shape: string };
}

interface Model {
  readonly metadata: { readonly apiVersion: string };
  readonly operations: Record<
    string,
    {
      readonly http: { readonly method: string; readonly requestUri: string };
      readonly input: { shape: string };
    }
  >;
  readonly shapes: Record<string, Shape>;
}

interface MemberConstraint {
  readonly type: string;
  readonly required?: true;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
}

/** The operations the system calls (stack, Lambda handlers, local mode, clean-up), by model file. */
const OPERATIONS: Record<string, readonly string[]> = {
  personalize: [
    'CreateDatasetGroup',
    'CreateSchema',
    'CreateDataset',
    'CreateDatasetImportJob',
    'CreateSolution',
    'UpdateSolution',
    'CreateSolutionVersion',
    'DescribeSolutionVersion',
    'StopSolutionVersionCreation',
    'CreateCampaign',
    'DescribeCampaign',
    'DeleteCampaign',
    'CreateEventTracker',
    'DescribeEventTracker',
    'DeleteEventTracker',
    'ListCampaigns',
    'ListEventTrackers',
    'ListSolutionVersions',
    'ListTagsForResource',
    'TagResource',
    'UntagResource',
  ],
  'personalize-events': ['PutEvents', 'PutItems', 'PutUsers'],
  'personalize-runtime': ['GetRecommendations'],
};

/** Members the emulator takes without checking their insides, and why: not extracted, listed as such. */
const NOT_CHECKED: Record<string, Record<string, string>> = {
  CreateSolution: {
    'solutionConfig.eventValueThreshold': 'stored as given; the models read no solutionConfig',
    'solutionConfig.hpoConfig': 'stored as given: HPO is not emulated',
    'solutionConfig.algorithmHyperParameters': 'stored as given; the models read no solutionConfig',
    'solutionConfig.featureTransformationParameters': 'stored as given; the models read no solutionConfig',
    'solutionConfig.autoMLConfig': 'stored as given: AutoML uses user-personalization',
    'solutionConfig.eventsConfig': 'stored as given; the models read no solutionConfig',
    'solutionConfig.optimizationObjective': 'stored as given; the models read no solutionConfig',
    'solutionConfig.trainingDataConfig': 'stored as given; the models read no solutionConfig',
  },
  UpdateSolution: { 'solutionUpdateConfig.eventsConfig': 'stored as given' },
  CreateCampaign: { campaignConfig: 'stored as given' },
  GetRecommendations: {
    context: 'contextual metadata is not emulated (ignored)',
    filterValues:
      'a map: checked by the emulator (25 entries, keys [A-Za-z0-9_]+ of at most 50, values of at most 1,000), in filters.test.ts',
    promotions: 'holds a map (filterValues): checked by the emulator, in filters.test.ts',
    metadataColumns: 'metadata in recommendations is not emulated (ignored)',
  },
};

function extract(model: Model, operation: string): Record<string, MemberConstraint> {
  const found: Record<string, MemberConstraint> = {};
  const skipped = NOT_CHECKED[operation] ?? {};
  const walk = (shapeName: string, path: string, required: boolean): void => {
    if (Object.hasOwn(skipped, path)) return;
    const shape = model.shapes[shapeName];
    if (!shape) throw new Error(`No shape ${shapeName}`);
    const constraint: MemberConstraint = {
      type: shape.type,
      ...(required ? { required: true as const } : {}),
      ...(shape.min === undefined ? {} : { min: shape.min }),
      ...(shape.max === undefined ? {} : { max: shape.max }),
      ...(shape.pattern === undefined ? {} : { pattern: shape.pattern }),
      ...(shape.enum === undefined ? {} : { enum: shape.enum }),
    };
    if (path !== '' && Object.keys(constraint).length > 1) found[path] = constraint;
    if (shape.type === 'structure') {
      for (const [name, member] of Object.entries(shape.members ?? {}))
        walk(member.shape, path === '' ? name : `${path}.${name}`, shape.required?.includes(name) ?? false);
    } else if (shape.type === 'list' && shape.member) {
      walk(shape.member.shape, `${path}[]`, false);
    } else if (shape.type === 'map') {
      throw new Error(`${operation} ${path} is a map: list it in NOT_CHECKED or teach the test maps`);
    }
  };
  const input = model.operations[operation]?.input.shape;
  if (!input) throw new Error(`No operation ${operation}`);
  walk(input, '', false);
  return found;
}

function main(): void {
  const [dataDir, version, commit] = process.argv.slice(2);
  if (!dataDir || !version || !commit)
    throw new Error('usage: extract-model-constraints.ts <botocore-data-dir> <botocore-version> <commit>');
  const operations: Record<string, unknown> = {};
  for (const [service, names] of Object.entries(OPERATIONS)) {
    const model = JSON.parse(readFileSync(join(dataDir, `${service}.json`), 'utf8')) as Model;
    for (const name of names) {
      const http = model.operations[name]?.http;
      operations[name] = {
        service,
        ...(service === 'personalize'
          ? {}
          : { http: { method: http?.method, requestUri: http?.requestUri } }),
        members: extract(model, name),
        ...(NOT_CHECKED[name] ? { notChecked: NOT_CHECKED[name] } : {}),
      };
    }
  }
  const output = {
    _comment:
      "Extracted from botocore's service-2 models personalize (2018-05-22), personalize-events (2018-03-22) and personalize-runtime (2018-05-22) by test/emulator/extract-model-constraints.ts. Paths: a.b is member b of structure a; a[] is an element of list a. required is the parent structure's required list. Patterns are the models' Java regular expressions, matched against the whole value.",
    botocore: { version, commit },
    operations,
  };
  writeFileSync(
    join(__dirname, 'personalize-model-constraints.json'),
    JSON.stringify(output, null, 2) + '\n',
  );
}

main();
