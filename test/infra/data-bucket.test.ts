import { Match } from 'aws-cdk-lib/assertions';
import { synthesize, statementsOfRole, asArray, type Resource, type Synthesized } from './synth';

let synth: Synthesized;
let resources: Record<string, Resource>;
beforeAll(() => {
  synth = synthesize();
  resources = synth.template.toJSON().Resources as Record<string, Resource>;
});

const BUCKET_PARAMETERS = ['bucketARN', 'bucketObjectsARN', 'interactionDataLocation', 'itemDataLocation'];
const CONDITION = 'DataBucketNotGiven';

function parameter(name: string): { Default?: string; AllowedPattern: string } {
  const parameters = synth.template.toJSON().Parameters as Record<
    string,
    { Default?: string; AllowedPattern: string }
  >;
  const found = parameters[name];
  if (!found) throw new Error(`No parameter ${name}`);
  return found;
}

/** The logical ids of the resources of the stack's own bucket: under SampleData, and its upload function. */
function sampleDataResourceIds(): string[] {
  return Object.keys(resources).filter(
    (id) => id.startsWith('SampleData') || /^CustomCDKBucketDeployment.*512MiB/.test(id),
  );
}

describe('deploy parameters are optional', () => {
  it.each(BUCKET_PARAMETERS)('%s defaults to empty', (name) => {
    expect(parameter(name).Default).toBe('');
  });

  it.each([
    ['bucketARN', 'arn:aws:s3:::my-bucket', ['my-bucket', 'arn:aws:s3:::My_Bucket', 's3://my-bucket']],
    ['bucketObjectsARN', 'arn:aws:s3:::my-bucket/*', ['arn:aws:s3:::my-bucket', 'my-bucket/*']],
    ['interactionDataLocation', 's3://my-bucket/interactions.csv', ['my-bucket/interactions.csv']],
    ['itemDataLocation', 's3://my-bucket/items.csv', ['https://my-bucket/items.csv']],
  ])('%s allows empty and %s, and still rejects malformed values', (name, valid, malformed) => {
    // CloudFormation matches AllowedPattern against the whole value, as a JavaScript regular expression here.
    const pattern = new RegExp(parameter(name).AllowedPattern);
    expect(pattern.test('')).toBe(true);
    expect(pattern.test(valid)).toBe(true);
    for (const value of malformed)
      expect({ value, matches: pattern.test(value) }).toEqual({ value, matches: false });
  });

  it('defines the condition "no bucket given" on the bucket parameters', () => {
    const conditions = synth.template.toJSON().Conditions as Record<string, unknown>;
    const condition = JSON.stringify(conditions[CONDITION]);
    for (const name of BUCKET_PARAMETERS) {
      expect(condition).toContain(JSON.stringify({ 'Fn::Equals': [{ Ref: name }, ''] }));
    }
  });

  it('refuses some of the bucket parameters without the others (a rule: all four or none)', () => {
    const rules = synth.template.toJSON().Rules as Record<string, { Assertions: Array<{ Assert: unknown }> }>;
    const assert = rules.BucketParametersTogether?.Assertions[0]?.Assert as {
      'Fn::Or': Array<{ 'Fn::And': unknown[] }>;
    };
    const [allEmpty, noneEmpty] = assert['Fn::Or'];
    const empty = (name: string) => ({ 'Fn::Equals': [{ Ref: name }, ''] });
    expect(allEmpty?.['Fn::And']).toEqual(BUCKET_PARAMETERS.map(empty));
    expect(noneEmpty?.['Fn::And']).toEqual(BUCKET_PARAMETERS.map((name) => ({ 'Fn::Not': [empty(name)] })));
  });
});

describe("the stack's own data bucket", () => {
  it('exists only under the condition, with every resource of it and of its upload function', () => {
    const ids = sampleDataResourceIds();
    const types = ids.map((id) => resources[id]!.Type).sort();
    expect(types).toEqual(
      expect.arrayContaining([
        'AWS::S3::Bucket',
        'AWS::S3::BucketPolicy',
        'Custom::CDKBucketDeployment',
        'AWS::Lambda::Function',
        'AWS::IAM::Role',
      ]),
    );
    for (const id of ids)
      expect({ id, condition: resources[id]!.Condition }).toEqual({ id, condition: CONDITION });
    // Nothing else is conditional: the rest of the stack exists with either bucket.
    const others = Object.entries(resources).filter(([id, r]) => r.Condition && !ids.includes(id));
    expect(others.map(([id]) => id)).toEqual([]);
  });

  it('is encrypted, private and SSL only', () => {
    synth.template.hasResource('AWS::S3::Bucket', {
      Condition: CONDITION,
      Properties: Match.objectLike({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      }),
    });
    const policy = Object.values(resources).find(
      (r) => r.Type === 'AWS::S3::BucketPolicy' && r.Condition === CONDITION,
    );
    const statements = (policy?.Properties?.PolicyDocument as { Statement: Array<Record<string, unknown>> })
      .Statement;
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Effect: 'Deny',
          Action: 's3:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      ]),
    );
  });

  it('lets Personalize, acting for this account only, get the objects and list the bucket', () => {
    const policy = Object.values(resources).find(
      (r) => r.Type === 'AWS::S3::BucketPolicy' && r.Condition === CONDITION,
    );
    const statements = (policy?.Properties?.PolicyDocument as { Statement: Array<Record<string, unknown>> })
      .Statement;
    const personalize = statements.filter(
      (s) => JSON.stringify(s.Principal) === JSON.stringify({ Service: 'personalize.amazonaws.com' }),
    );
    expect(personalize.map((s) => s.Action).sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
    for (const statement of personalize) {
      expect(statement.Effect).toBe('Allow');
      expect(statement.Condition).toEqual({
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      });
    }
  });

  it('uploads data/interactions.csv and data/items.csv, and deletes them with the deployment', () => {
    const upload = Object.values(resources).find(
      (r) => r.Type === 'Custom::CDKBucketDeployment' && r.Condition,
    );
    expect(upload?.Properties).toMatchObject({ Prune: true, RetainOnDelete: false });
    const asset = synth.tree.constructPaths.find((path) => path.endsWith('SampleData/Upload/Asset1'));
    expect(asset).toBeDefined();
  });
});

describe('the import jobs', () => {
  it.each([
    ['Interactions', 'interactionDataLocation', 'interactions.csv'],
    ['Items', 'itemDataLocation', 'items.csv'],
  ])('%s: DataSource chooses with Fn::If the uploaded file or the parameter', (datasetType, name, file) => {
    const dataset = Object.values(resources).find(
      (r) => r.Type === 'AWS::Personalize::Dataset' && r.Properties?.DatasetType === datasetType,
    );
    const location = (
      dataset?.Properties?.DatasetImportJob as { DataSource: { DataLocation: { 'Fn::If': unknown[] } } }
    ).DataSource.DataLocation['Fn::If'];
    expect(location[0]).toBe(CONDITION);
    const [ownBucket, given] = [JSON.stringify(location[1]), JSON.stringify(location[2])];
    expect(given).toContain(JSON.stringify({ Ref: name }));
    // The stack's bucket is read from the upload's own attribute: the dataset (whose import job starts
    // when it is created) waits for the upload to complete.
    const upload = Object.entries(resources).find(
      ([, r]) => r.Type === 'Custom::CDKBucketDeployment' && r.Condition,
    );
    expect(ownBucket).toContain(JSON.stringify({ 'Fn::GetAtt': [upload![0], 'DestinationBucketArn'] }));
    expect(ownBucket).toContain(`/${file}`);
    // Never a DependsOn on a conditional resource: CloudFormation refuses it when the condition is false.
    expect(JSON.stringify(dataset?.DependsOn ?? [])).not.toMatch(/SampleData/);
  });

  it("lets the import role read the chosen bucket only (Fn::If on the stack's bucket or the parameters)", () => {
    const roles = synth.template.findResources('AWS::IAM::Role', {
      Properties: {
        AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'personalize.amazonaws.com' } }] },
      },
    });
    const statements = statementsOfRole(synth.template, Object.keys(roles)[0]!);
    const byAction = Object.fromEntries(
      statements.flatMap((s) => asArray(s.Action).map((action) => [action, JSON.stringify(s.Resource)])),
    );
    expect(Object.keys(byAction).sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
    expect(byAction['s3:GetObject']).toContain(`"Fn::If":["${CONDITION}"`);
    expect(byAction['s3:GetObject']).toContain('{"Ref":"bucketObjectsARN"}');
    expect(byAction['s3:ListBucket']).toContain(`"Fn::If":["${CONDITION}"`);
    expect(byAction['s3:ListBucket']).toContain('{"Ref":"bucketARN"}');
  });
});
