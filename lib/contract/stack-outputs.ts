/**
 * Output names of the stack. Local mode writes the same names to its outputs file, as
 * `cdk deploy --outputs-file` does, so scripts read either the same way.
 */
export const STACK_OUTPUTS = {
  apiUrl: 'ApiUrl',
  apiKeyId: 'ApiKeyId',
  datasetGroupArn: 'DatasetGroupArn',
  solutionArn: 'SolutionArn',
  streamName: 'StreamName',
  archiveBucketName: 'ArchiveBucketName',
  failedRecordsBucketName: 'FailedRecordsBucketName',
} as const;

/**
 * Outputs of the one-shot provisioning (`cdk deploy -c provision=true`, `npm start -- --provision`): what a
 * client needs to get recommendations and send events at once.
 */
export const PROVISIONING_OUTPUTS = {
  solutionVersionArn: 'SolutionVersionArn',
  campaignArn: 'CampaignArn',
  eventTrackerArn: 'EventTrackerArn',
  trackingId: 'TrackingId',
} as const;

/** The API Gateway stage, as in the seed. */
export const API_STAGE_NAME = 'prod';
