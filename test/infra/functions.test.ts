import { expect } from '@jest/globals';
import { PUT_EVENTS_CONSUMER, ROUTES, type LambdaRoute } from '../../lib/contract/api-routes';
import { STACK_OUTPUTS } from '../../lib/contract/stack-outputs';
import {
  resourcesOf,
  asArray,
  functionByDescription,
  roleOf,
  statementsOfRole,
  synthesize,
  type Resource,
  type Synthesized,
} from './synth';

// The bundles themselves are checked in bundle-size.test.ts (the one test file that bundles them).
let synth: Synthesized;
let functions: Record<string, Resource>;
beforeAll(() => {
  // With the Users dataset (context usersDataset), so that POST /users has its grant as every other route.
  synth = synthesize({ context: { usersDataset: 'true' } });
  functions = synth.template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
});

const projectFunctions = () =>
  Object.entries(functions).filter(([, fn]) => {
    const variables = (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
      ?.Variables;
    return variables?.NODE_OPTIONS === '--enable-source-maps';
  });

const lambdaRoutes = ROUTES.filter((route): route is LambdaRoute => route.kind === 'lambda');

describe('function defaults', () => {
  it('builds one function per Lambda route, the consumer, and the two handlers of each custom resource (clean-up, auto training, filters)', () => {
    expect(projectFunctions()).toHaveLength(lambdaRoutes.length + 1 + 2 + 2 + 2);
  });

  it('runs every function on Node.js 22, arm64, with X-Ray tracing and source maps', () => {
    for (const [, fn] of projectFunctions()) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Environment: { Variables: expect.objectContaining({ NODE_OPTIONS: '--enable-source-maps' }) },
      });
    }
  });

  it('gives every function its own log group with a retention', () => {
    for (const [, fn] of projectFunctions()) {
      const logGroupId = (fn.Properties?.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      const logGroup = resourcesOf(synth.template)[logGroupId]!;
      expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
      expect(logGroup.Properties?.RetentionInDays).toEqual(expect.any(Number));
    }
  });
});

describe('least privilege', () => {
  const personalizeStatements = (fn: Resource) =>
    statementsOfRole(synth.template, roleOf(fn)).filter((statement) =>
      asArray(statement.Action).some((action) => action.startsWith('personalize:')),
    );

  it('allows on "*" only Personalize actions that have no resource-level permission (see permissions.test.ts)', () => {
    for (const [, fn] of projectFunctions()) {
      for (const statement of personalizeStatements(fn)) {
        if (asArray(statement.Resource).includes('*')) {
          const actions = asArray(statement.Action).filter((action) => action.startsWith('personalize:'));
          expect(actions.filter((action) => !/^personalize:(List.*|PutEvents)$/.test(action))).toEqual([]);
        }
      }
    }
  });

  it.each(lambdaRoutes.map((route) => [route.method, route.path, route]))(
    '%s %s may do exactly the Personalize actions of its route',
    (method, routePath, route) => {
      const { resource } = functionByDescription(synth.template, `${method} ${routePath}:`);
      const granted = personalizeStatements(resource)
        .flatMap((statement) => asArray(statement.Action))
        .filter((action) => action.startsWith('personalize:'));
      const expected = route.permissions.flatMap((permission) => permission.actions);
      expect([...new Set(granted)].sort()).toEqual([...new Set(expected)].sort());
    },
  );

  it('scopes each kind of Personalize resource to its ARN or ARN pattern', () => {
    const arnOf = (routePath: string, action: string) => {
      const route = lambdaRoutes.find((r) => r.path === routePath)!;
      const { resource } = functionByDescription(synth.template, `${route.method} ${routePath}:`);
      const statement = personalizeStatements(resource).find((s) => asArray(s.Action).includes(action));
      return JSON.stringify(statement?.Resource);
    };
    expect(arnOf('/solutionVersion', 'personalize:CreateSolutionVersion')).toMatch(
      /\["ModelSolution[A-Z0-9]+","SolutionArn"\]/,
    );
    expect(arnOf('/describeSolutionVersion', 'personalize:DescribeSolutionVersion')).toMatch(
      /SolutionArn"\]\},"\/\*"/,
    );
    expect(arnOf('/describeCampaign', 'personalize:DescribeCampaign')).toMatch(/:campaign\/\*"/);
    expect(arnOf('/eventTracker', 'personalize:CreateEventTracker')).toMatch(/DatasetGroupArn/);
    expect(arnOf('/eventTracker', 'personalize:CreateEventTracker')).toMatch(/:event-tracker\/\*"/);
    expect(arnOf('/deleteResources', 'personalize:DeleteEventTracker')).toMatch(/:event-tracker\/\*"/);
  });

  it('gives the consumer the permissions the route table declares for it', () => {
    const consumer = functionByDescription(synth.template, 'Sends the interaction batches').resource;
    const granted = personalizeStatements(consumer)
      .flatMap((statement) => asArray(statement.Action))
      .filter((action) => action.startsWith('personalize:'));
    const declared = PUT_EVENTS_CONSUMER.permissions.flatMap((permission) => permission.actions);
    expect([...new Set(granted)].sort()).toEqual([...new Set(declared)].sort());
  });

  it('lets functions write only to their own log group (no AWSLambdaBasicExecutionRole)', () => {
    for (const [, fn] of projectFunctions()) {
      const roles = synth.template.toJSON().Resources as Record<string, Resource>;
      expect(roles[roleOf(fn)]?.Properties?.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('outputs', () => {
  it.each(Object.values(STACK_OUTPUTS))('exports %s', (name) => {
    synth.template.hasOutput(name, {});
  });
});
