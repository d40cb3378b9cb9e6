import type { Operation } from './context';
import * as campaigns from './control-plane/campaigns';
import * as datasetGroups from './control-plane/dataset-groups';
import * as datasets from './control-plane/datasets';
import * as eventTrackers from './control-plane/event-trackers';
import * as filters from './control-plane/filters';
import * as importJobs from './control-plane/import-jobs';
import * as recipes from './control-plane/recipes';
import * as schemas from './control-plane/schemas';
import * as solutionVersions from './control-plane/solution-versions';
import * as solutions from './control-plane/solutions';
import * as tags from './control-plane/tags';
import { putEvents, putItems, putUsers } from './events';
import { getPersonalizedRanking, getRecommendations } from './runtime';

// The dispatch tables of the three APIs: a new operation is a function in its module plus one entry here.

/** The control plane (awsJson1_1), by the name in `x-amz-target: AmazonPersonalize.<name>`. */
export const CONTROL_PLANE_OPERATIONS: Readonly<Record<string, Operation>> = {
  CreateDatasetGroup: datasetGroups.createDatasetGroup,
  DescribeDatasetGroup: datasetGroups.describeDatasetGroup,
  ListDatasetGroups: datasetGroups.listDatasetGroups,
  DeleteDatasetGroup: datasetGroups.deleteDatasetGroup,

  CreateSchema: schemas.createSchema,
  DescribeSchema: schemas.describeSchema,
  ListSchemas: schemas.listSchemas,
  DeleteSchema: schemas.deleteSchema,

  CreateDataset: datasets.createDataset,
  DescribeDataset: datasets.describeDataset,
  ListDatasets: datasets.listDatasets,
  DeleteDataset: datasets.deleteDataset,

  CreateDatasetImportJob: importJobs.createDatasetImportJob,
  DescribeDatasetImportJob: importJobs.describeDatasetImportJob,
  ListDatasetImportJobs: importJobs.listDatasetImportJobs,

  CreateSolution: solutions.createSolution,
  UpdateSolution: solutions.updateSolution,
  DescribeSolution: solutions.describeSolution,
  ListSolutions: solutions.listSolutions,
  DeleteSolution: solutions.deleteSolution,

  CreateSolutionVersion: solutionVersions.createSolutionVersion,
  DescribeSolutionVersion: solutionVersions.describeSolutionVersion,
  ListSolutionVersions: solutionVersions.listSolutionVersions,
  StopSolutionVersionCreation: solutionVersions.stopSolutionVersionCreation,
  GetSolutionMetrics: solutionVersions.getSolutionMetrics,

  CreateCampaign: campaigns.createCampaign,
  DescribeCampaign: campaigns.describeCampaign,
  ListCampaigns: campaigns.listCampaigns,
  UpdateCampaign: campaigns.updateCampaign,
  DeleteCampaign: campaigns.deleteCampaign,

  CreateEventTracker: eventTrackers.createEventTracker,
  DescribeEventTracker: eventTrackers.describeEventTracker,
  ListEventTrackers: eventTrackers.listEventTrackers,
  DeleteEventTracker: eventTrackers.deleteEventTracker,

  CreateFilter: filters.createFilter,
  DescribeFilter: filters.describeFilter,
  ListFilters: filters.listFilters,
  DeleteFilter: filters.deleteFilter,

  ListRecipes: (_ctx, body) => recipes.listRecipes(body),
  DescribeRecipe: (_ctx, body) => recipes.describeRecipe(body),

  TagResource: tags.tagResource,
  UntagResource: tags.untagResource,
  ListTagsForResource: tags.listTagsForResource,
};

/** An events or runtime operation: its name (faults are armed by name) and its function. */
export interface RestOperation<F = Operation> {
  readonly operation: string;
  readonly call: F;
}

/** The events and runtime APIs (restJson1), by path. */
export const REST_OPERATIONS: Readonly<Record<string, RestOperation>> = {
  '/events': { operation: 'PutEvents', call: putEvents },
  '/items': { operation: 'PutItems', call: putItems },
  '/users': { operation: 'PutUsers', call: putUsers },
  '/recommendations': { operation: 'GetRecommendations', call: getRecommendations },
  '/personalize-ranking': { operation: 'GetPersonalizedRanking', call: getPersonalizedRanking },
};
