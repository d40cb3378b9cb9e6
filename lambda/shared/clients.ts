/**
 * SDK clients, created once per module so warm invocations reuse their connections. Default configuration
 * with the region from AWS_REGION: endpoints come from the SDK's standard variables
 * (AWS_ENDPOINT_URL_PERSONALIZE, ..._PERSONALIZE_EVENTS, ..._PERSONALIZE_RUNTIME, ..._SQS), which is how
 * local mode points the unchanged handlers at its emulators.
 */
import { PersonalizeClient } from '@aws-sdk/client-personalize';
import { PersonalizeEventsClient } from '@aws-sdk/client-personalize-events';
import { PersonalizeRuntimeClient } from '@aws-sdk/client-personalize-runtime';
import { SQSClient } from '@aws-sdk/client-sqs';

const config = { region: process.env.AWS_REGION };

export const personalize = new PersonalizeClient(config);
export const personalizeEvents = new PersonalizeEventsClient(config);
export const personalizeRuntime = new PersonalizeRuntimeClient(config);
export const sqs = new SQSClient(config);
