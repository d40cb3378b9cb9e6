/** POST /solutionVersion: train a new solution version. Answers the CreateSolutionVersion response. */
import { personalize } from './shared/clients/personalize';
import { parseBody, withHttp } from './shared/http';
import { ownerTags } from '../lib/contract/ownership';
import { createSolutionVersion } from './shared/personalize';
import { createSolutionVersionRequest } from '../lib/contract/requests';

export const handler = withHttp(async (event) =>
  createSolutionVersion(personalize, parseBody(event, createSolutionVersionRequest), ownerTags()),
);
