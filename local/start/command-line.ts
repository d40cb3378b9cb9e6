/**
 * `npm start`'s command line: options named like the stack's deploy parameters
 * (`--interactionDataLocation s3://...`, or `--parameters name=value` as `cdk deploy` takes them), and the
 * usage text.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseBatchingWindowSeconds } from '../../lib/contract/event-source-settings';
import type { LocalModeOptions } from './options';

/**
 * Command-line options, named like the stack's deploy parameters (`--interactionDataLocation s3://...`).
 * bucketARN, bucketObjectsARN and solutionRegion are accepted and ignored.
 */
const OPTIONS = {
  help: { type: 'boolean' },
  reset: { type: 'boolean' },
  provision: { type: 'boolean' },
  'state-dir': { type: 'string' },
  'outputs-file': { type: 'string' },
  'stack-name': { type: 'string' },
  interactionDataLocation: { type: 'string' },
  itemDataLocation: { type: 'string' },
  recipeArn: { type: 'string' },
  autoTraining: { type: 'string' },
  usersDataset: { type: 'boolean' },
  retirableItems: { type: 'boolean' },
  's3-dir': { type: 'string' },
  'batching-window': { type: 'string' },
  bucketARN: { type: 'string' },
  bucketObjectsARN: { type: 'string' },
  solutionRegion: { type: 'string' },
  // `--parameters interactionDataLocation=s3://...`, as `cdk deploy` takes them.
  parameters: { type: 'string', multiple: true },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

const isOption = (name: string): name is keyof typeof OPTIONS => Object.hasOwn(OPTIONS, name);

/**
 * The options' values in the order given (a later one wins), `--parameters name=value` as `--name value`.
 * parseArgs reads the command line (`--name value`, `--name=value`); its tokens are checked here so a bad
 * argument gets the message naming it.
 */
function optionValues(argv: readonly string[]): Map<string, string | true> {
  const { tokens } = parseArgs({
    args: [...argv],
    options: OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values = new Map<string, string | true>();
  for (const token of tokens) {
    if (token.kind !== 'option' || !token.rawName.startsWith('--')) {
      throw new Error(`Unexpected argument ${argv[token.index]}`);
    }
    if (!isOption(token.name)) throw new Error(`Unknown option --${token.name}\n${USAGE}`);
    if (OPTIONS[token.name].type === 'boolean') {
      values.set(token.name, true);
    } else if (token.value === undefined) {
      throw new Error(`--${token.name} needs a value`);
    } else if (token.name === 'parameters') {
      const [name, value = ''] = token.value.split(/=(.*)/s) as [string, string?];
      values.set(name, value);
    } else {
      values.set(token.name, token.value);
    }
  }
  const unknown = [...values.keys()].filter((name) => !isOption(name));
  if (unknown.length > 0)
    throw new Error(`Unknown option(s): ${unknown.map((name) => `--${name}`).join(', ')}\n${USAGE}`);
  return values;
}

/** Command-line options, named like the stack's deploy parameters (`--interactionDataLocation s3://...`). */
export function parseArguments(argv: readonly string[]): LocalModeOptions {
  const values = optionValues(argv);
  if (values.get('help')) {
    console.log(USAGE);
    process.exit(0);
  }
  const text = (name: keyof typeof OPTIONS) => {
    const value = values.get(name);
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const autoTraining = text('autoTraining');
  return {
    ...(text('state-dir') ? { stateDir: text('state-dir') } : {}),
    ...(text('outputs-file') ? { outputsFile: text('outputs-file') } : {}),
    ...(text('stack-name') ? { stackName: text('stack-name') } : {}),
    ...(text('interactionDataLocation') ? { interactionDataLocation: text('interactionDataLocation') } : {}),
    ...(text('itemDataLocation') ? { itemDataLocation: text('itemDataLocation') } : {}),
    ...(text('recipeArn') ? { recipeArn: text('recipeArn') } : {}),
    ...(autoTraining ? { autoTraining: autoTraining === 'false' ? false : autoTraining } : {}),
    ...(text('s3-dir') ? { s3Dir: text('s3-dir') } : {}),
    ...(text('batching-window') === undefined
      ? {}
      : {
          eventSourceSettings: {
            maxBatchingWindowSeconds: parseBatchingWindowSeconds(
              text('batching-window'),
              '--batching-window',
            ),
          },
        }),
    ...(values.get('reset') ? { reset: true } : {}),
    ...(values.get('provision') ? { provision: true } : {}),
    ...(values.get('usersDataset') ? { usersDataset: true } : {}),
    ...(values.get('retirableItems') ? { retirableItems: true } : {}),
  };
}

const USAGE = `Usage: npm start -- [options]

  --interactionDataLocation <path|s3://bucket/key>  interactions CSV (default: data/interactions.csv)
  --itemDataLocation <path|s3://bucket/key>         items CSV (default: data/items.csv)
  --state-dir <dir>        where everything persists (default: STATE_DIR or .local-state/)
  --outputs-file <file>    stack outputs as JSON (default: <state-dir>/outputs.json)
  --stack-name <name>      prefix of every name (default: NearRealTimeRecommendations)
  --recipeArn <arn>        the solution's recipe (default: aws-user-personalization)
  --autoTraining <false|rate(N days)>  the solution's automatic training: off (default), as the stack
                           turns it off, or on with that schedule
  --usersDataset           a Users dataset, filled by POST /users (-c usersDataset=true on deploy)
  --retirableItems         items can be retired: POST /items with {"availability": "retired"} (-c
                           retirableItems=true on deploy); its dataset group is another than without it
  --s3-dir <dir>           the directory standing for S3 (default: <state-dir>/s3)
  --batching-window <s>    the consumer's batching window, 0 to 300 seconds (default 1, as the stack's;
                           -c batchingWindowSeconds=N on deploy): 0 for lower latency, more invocations
  --reset                  delete the state directory first
  --provision              also train a version, create a campaign and the event tracker (as
                           cdk deploy -c provision=true); their ARNs and tracking id go to the outputs
  bucketARN, bucketObjectsARN and solutionRegion are accepted and ignored (local S3 needs no bucket policy).

Environment: PORT (default 3000), API_KEY (default: generated once, kept in the state directory), STATE_DIR,
INVOCATION_WORKERS (worker threads the handlers run on, default 0: in the gateway's thread, where a debugger's
breakpoints in lambda/ hit).`;
