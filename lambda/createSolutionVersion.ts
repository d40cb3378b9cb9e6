/** POST /solutionVersion: train a new solution version. Answers the CreateSolutionVersion response. */
import { personalize } from './shared/clients/personalize';
import { parseBody, withHttp } from './shared/http';
import { ownerTags } from './shared/ownership';
import { createSolutionVersion } from './shared/personalize';
import { createSolutionVersionRequest } from './shared/requests';

export const handler = withHttp(async (event) =>
  createSolutionVersion(personalize, parseBody(event, createSolutionVersionRequest), ownerTags()),
);
