/**
 * The outputs file, as `cdk deploy --outputs-file` writes it: the stack's output names (plus `ApiKey`, the
 * key's value), keyed by stack name, readable by its owner only.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { STACK_OUTPUTS } from '../../lib/contract/stack-outputs';
import type { ProvisionedModel } from '../cloudformation/provision';
import type { LocalModeConfig } from './options';

export type StackOutputs = Record<string, string>;

export function stackOutputs(
  config: LocalModeConfig,
  gatewayUrl: string,
  model: ProvisionedModel,
): StackOutputs {
  return {
    [STACK_OUTPUTS.apiUrl]: `${gatewayUrl}/`,
    [STACK_OUTPUTS.apiKeyId]: 'local',
    [STACK_OUTPUTS.datasetGroupArn]: model.datasetGroupArn,
    [STACK_OUTPUTS.solutionArn]: model.solutionArn,
    [STACK_OUTPUTS.streamName]: config.streamName,
    [STACK_OUTPUTS.archiveBucketName]: config.archiveBucketName,
    [STACK_OUTPUTS.failedRecordsBucketName]: config.failedRecordsBucketName,
    // Local only: on AWS the key's value is read with `aws apigateway get-api-key --include-value`.
    ApiKey: config.apiKey,
  };
}

/** The outputs hold the API key: the file is its owner's only, whatever mode an earlier file had. */
export function writeOutputsFile(path: string, stackName: string, outputs: StackOutputs): void {
  mkdirSync(dirname(path), { recursive: true });
  // As `cdk deploy --outputs-file`: outputs keyed by stack name.
  writePrivateFile(path, `${JSON.stringify({ [stackName]: outputs }, null, 2)}\n`);
}

/**
 * Writes a file only its owner may read: a new file of mode 0600 renamed over the old, so the content is
 * never readable by others, not even for a moment in a file created earlier with a wider mode.
 */
export function writePrivateFile(path: string, content: string): void {
  const draft = `${path}.${process.pid}.tmp`;
  try {
    rmSync(draft, { force: true });
    writeFileSync(draft, content, { mode: 0o600, flag: 'wx' });
    renameSync(draft, path);
  } finally {
    rmSync(draft, { force: true });
  }
}
