/** POST /describeSolutionVersion: a solution version's status, as a JSON string (`"ACTIVE"`). */
import { personalize } from './shared/clients/personalize';
import { parseBody, withHttp } from './shared/http';
import { describeSolutionVersionStatus } from './shared/personalize';
import { describeSolutionVersionRequest } from '../lib/contract/requests';

export const handler = withHttp(async (event) =>
  describeSolutionVersionStatus(personalize, parseBody(event, describeSolutionVersionRequest)),
);
