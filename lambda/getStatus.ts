/**
 * GET /status: the import jobs, solution versions, campaigns and event trackers of this stack's dataset
 * group, with their statuses, newest first (see shared/status.ts for the response). Read-only.
 *
 * Environment: DATASET_GROUP_ARN, SOLUTION_ARN, INTERACTIONS_DATASET_ARN, ITEMS_DATASET_ARN (unset, every
 * request fails with a 500), and the SDK's AWS_REGION / AWS_ENDPOINT_URL_* variables.
 */
import { personalize } from './shared/clients/personalize';
import { withHttp } from './shared/http';
import { stackStatus, statusTargetFromEnv } from './shared/status';

export const handler = withHttp(async () => stackStatus(personalize, statusTargetFromEnv()));
