import type { Operation } from './context';
import * as campaigns from './control-plane/campaigns';
import * as datasetGroups from './control-plane/dataset-groups';
import * as datasets from './control-plane/datasets';
import * as eventTrackers from './control-plane/event-trackers';
import * as importJobs from './control-plane/import-jobs';
import * as recipes from './control-plane/recipes';
import * as schemas from './control-plane/schemas';
import * as solutionVersions from './control-plane/solution-versions';
import * as solutions from './control-plane/solutions';

/**
 * The control plane, by operation name as it appears in `x-amz-target` (`AmazonPersonalize.<name>`).
 * A new operation is a function in its resource's module plus one entry here.
 */
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
  DescribeSolution: solutions.describeSolution,
  ListSolutions: solutions.listSolutions,
  DeleteSolution: solutions.deleteSolution,

  CreateSolutionVersion: solutionVersions.createSolutionVersion,
  DescribeSolutionVersion: solutionVersions.describeSolutionVersion,
  ListSolutionVersions: solutionVersions.listSolutionVersions,
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

  ListRecipes: (_ctx, body) => recipes.listRecipes(body),
  DescribeRecipe: (_ctx, body) => recipes.describeRecipe(body),
};
