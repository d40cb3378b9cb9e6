/**
 * What the stack provisions at deploy time, provisioned in the emulator from the same definitions: dataset
 * group, schemas, datasets with their import jobs (the CSVs copied into local S3 first), solution.
 */
import { cpSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { PersonalizeClient } from '@aws-sdk/client-personalize';
import { USER_PERSONALIZATION_RECIPE_ARN } from '../../lib/contract/personalize-schemas';
import { provisionPersonalize, type ProvisionedModel } from '../cloudformation/provision';
import { ACCOUNT_ID, PROJECT_ROOT, type LocalModeConfig, type LocalModeOptions } from './options';

/** The deploy-time resources, created in the emulator (or found there, as kept from an earlier start). */
export async function provision(
  config: LocalModeConfig,
  options: LocalModeOptions,
  personalizeEndpoint: string,
): Promise<ProvisionedModel> {
  return withPersonalize(config, personalizeEndpoint, (client) =>
    provisionPersonalize(client, {
      names: config.names,
      recipeArn: options.recipeArn ?? USER_PERSONALIZATION_RECIPE_ARN,
      interactionDataLocation: toLocalS3(
        options.interactionDataLocation ?? join(PROJECT_ROOT, 'data', 'interactions.csv'),
        config.s3Dir,
        'interactions',
      ),
      itemDataLocation: toLocalS3(
        options.itemDataLocation ?? join(PROJECT_ROOT, 'data', 'items.csv'),
        config.s3Dir,
        'items',
      ),
      importRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/${config.stackName}-personalize-import`,
      autoTraining: options.autoTraining ?? false,
      usersDataset: options.usersDataset ?? false,
      retirableItems: options.retirableItems ?? false,
      log: config.log,
    }),
  );
}

/** A Personalize client on the emulator for the time of `use`. */
export async function withPersonalize<T>(
  config: LocalModeConfig,
  personalizeEndpoint: string,
  use: (client: PersonalizeClient) => Promise<T>,
): Promise<T> {
  const client = new PersonalizeClient({ region: config.region, endpoint: personalizeEndpoint });
  try {
    return await use(client);
  } finally {
    client.destroy();
  }
}

/**
 * A data location as the emulator reads it: `s3://bucket/key` stays (it names `<s3Dir>/bucket/key`); a local
 * file or directory is copied into local S3 (bucket `local-data`) so the import job reads it as from S3.
 */
function toLocalS3(location: string, s3Dir: string, dataset: string): string {
  if (location.startsWith('s3://')) return location;
  const source = isAbsolute(location) ? location : resolve(process.cwd(), location);
  if (!existsSync(source))
    throw new Error(`Data location ${location} does not exist (for the ${dataset} dataset)`);
  const key = statSync(source).isDirectory() ? `${dataset}/` : `${dataset}/${basename(source)}`;
  const target = join(s3Dir, 'local-data', key);
  rmSync(join(s3Dir, 'local-data', dataset), { recursive: true, force: true });
  mkdirSync(dirname(target), { recursive: true });
  cpSync(source, target, { recursive: true });
  return `s3://local-data/${key}`;
}
