/**
 * The banner `npm start` prints once local mode is up: where everything is, what the dataset group already
 * holds and the walkthrough step that comes next, and how to replay failed records.
 */
import { errorMessage } from '../../lambda/shared/service-errors';
import { STACK_OUTPUTS } from '../../lib/contract/stack-outputs';
import { nextStep, readLocalState, type Held, type LocalState } from '../next-step';
import type { LocalMode } from './local-mode';

/** The command that replays the failed records of a running local mode into its Personalize. */
export function replayFailuresCommand(local: LocalMode): string {
  // The replay checks the records' tracking ids against the dataset group's trackers (the control plane).
  return [
    `AWS_ENDPOINT_URL_S3=${local.s3.endpoint} AWS_ENDPOINT_URL_PERSONALIZE=${local.personalize.endpoint} \\`,
    `  AWS_ENDPOINT_URL_PERSONALIZE_EVENTS=${local.personalize.endpoint} \\`,
    `  AWS_REGION=${local.region} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local \\`,
    `  npm run replay-failures -- ${local.failedRecords.uri} --dataset-group-arn ${output(local, STACK_OUTPUTS.datasetGroupArn)}`,
  ].join('\n');
}

export function banner(local: LocalMode, state: LocalState, heldFrom: Held = 'kept'): string {
  const outputs = local.outputs;
  const base = local.url.replace('127.0.0.1', 'localhost');
  const next = nextStep(
    state,
    base,
    local.apiKey,
    {
      solutionArn: output(local, STACK_OUTPUTS.solutionArn),
      datasetGroupArn: output(local, STACK_OUTPUTS.datasetGroupArn),
    },
    heldFrom,
  );
  const indent = (text: string) => text.replace(/^/gm, '  ');
  return `
Local mode is up: the API of stack ${local.stackName} at ${base}

  Demo page        ${base.replace(/\/prod$/, '/')} (enter the API key; with no campaign yet, its Provision now button makes one)
  API key          ${local.apiKey}
  Dataset group    ${outputs[STACK_OUTPUTS.datasetGroupArn]}
  Solution         ${outputs[STACK_OUTPUTS.solutionArn]}
  Stream           ${outputs[STACK_OUTPUTS.streamName]}
  State directory  ${local.stateDir}
  Stack outputs    ${local.outputsFile}
  Local S3         ${local.s3.endpoint} (the files: ${local.s3.store.dir})
  Failed records   ${local.failedRecords.uri}
                     aws/lambda/  batches the event source mapping gave up on
                     consumer/    records the consumer set aside, with their error

${next}

Failed records, once their cause is fixed, go to Personalize with the command below; each object is
deleted once sent. Add --dry-run to see what would be sent, --tracking-id <id> to send them to another
event tracker, --keep to keep the objects:

${indent(replayFailuresCommand(local))}

The rest of the walkthrough: README.md, or bash scripts/walkthrough.sh. Ctrl-C stops everything.
`;
}

/** A stack output local mode always writes. */
function output(local: LocalMode, name: string): string {
  const value = local.outputs[name];
  if (value === undefined) throw new Error(`Local mode wrote no ${name} output`);
  return value;
}

/** What the stack's dataset group holds (GET /status); an empty state (with a note) if it cannot be read, as the banner only advises. */
export async function localState(local: LocalMode): Promise<LocalState> {
  try {
    return await readLocalState(local.url, local.apiKey);
  } catch (error) {
    console.error(`Could not read what the dataset group holds (GET /status): ${errorMessage(error)}`);
    return {};
  }
}
