import { Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as personalize from 'aws-cdk-lib/aws-personalize';
import { Construct } from 'constructs';
import {
  ownerConditions,
  type PersonalizePermission,
  type PersonalizeResourceKind,
  type StackValue,
} from '../contract/api-routes';
import {
  INTERACTIONS_SCHEMA,
  ITEMS_SCHEMA,
  RETIRABLE_ITEMS_SCHEMA,
  USERS_SCHEMA,
  personalizeNames,
  USER_PERSONALIZATION_RECIPE_ARN,
  type PersonalizeNameInputs,
  type PersonalizeNames,
} from '../contract/personalize-schemas';
import {
  AVAILABLE_FILTER_NAME,
  DEFAULT_FILTERS,
  retiringFilters,
  type FilterDefinition,
} from '../contract/personalize-filters';
import { servedRecipe } from '../contract/recipes';
import { accountPatternFinding, acknowledge, attributeFinding } from './acknowledge';
import type { AutoTrainingSetting } from '../context';
import { CLEANUP_PERMISSIONS, PersonalizeCleanup } from './personalize-cleanup';
import { FILTER_PERMISSIONS, PersonalizeFilters } from './personalize-filters';
import { AUTO_TRAINING_PERMISSIONS, SolutionAutoTraining } from './solution-auto-training';

export interface PersonalizeModelProps {
  /** ARN of the bucket holding the CSV files (`arn:aws:s3:::bucket`), for s3:ListBucket. */
  readonly bucketArn: string;
  /** ARN of the bucket's objects (`arn:aws:s3:::bucket/*`), for s3:GetObject. */
  readonly bucketObjectsArn: string;
  /** S3 URI of the interactions CSV. */
  readonly interactionDataLocation: string;
  /** S3 URI of the items CSV. */
  readonly itemDataLocation: string;
  /**
   * Recipe of the solution.
   * @default USER_PERSONALIZATION_RECIPE_ARN (aws-user-personalization)
   */
  readonly recipeArn?: string;
  /**
   * The solution's configuration (hyperparameters, event value threshold...).
   * @default - none
   */
  readonly solutionConfig?: personalize.CfnSolution.SolutionConfigProperty;
  /**
   * Avro schema of the Interactions dataset.
   * @default INTERACTIONS_SCHEMA
   */
  readonly interactionsSchema?: object;
  /**
   * Avro schema of the Items dataset.
   * @default ITEMS_SCHEMA, or RETIRABLE_ITEMS_SCHEMA with `retirableItems`
   */
  readonly itemsSchema?: object;
  /**
   * Items can be retired: the Items schema has AVAILABILITY, the filters leave retired items out and the
   * `available` filter is declared (lib/contract/personalize-filters.ts: retiringFilters).
   * @default false
   */
  readonly retirableItems?: boolean;
  /**
   * A Users dataset (with its schema), filled by PutUsers; no import job.
   * @default false
   */
  readonly usersDataset?: boolean;
  /**
   * Avro schema of the Users dataset, with `usersDataset`.
   * @default USERS_SCHEMA
   */
  readonly usersSchema?: object;
  /**
   * The solution's automatic training (set after creation by a custom resource).
   * @default - off: no version is trained unless the API asks
   */
  readonly autoTraining?: AutoTrainingSetting;
  /**
   * The filters to create in the dataset group (CloudFormation has no filter resource: a custom resource).
   * With `retirableItems`, each also leaves retired items out and `available` is added.
   * @default DEFAULT_FILTERS ("unwatched" and "genre")
   */
  readonly filters?: readonly FilterDefinition[];
  /**
   * Prefix of the Personalize resource names.
   * @default - the stack name, so two stacks can share an account
   */
  readonly namePrefix?: string;
}

/** What a function may do on the model's resources (defined in lib/contract/api-routes.ts). */
export type { PersonalizePermission } from '../contract/api-routes';

/**
 * The Personalize side of the system, as CloudFormation knows it (L1): dataset group, the two schemas and
 * datasets with their import jobs from the user's bucket, and the solution. Solution versions, campaigns
 * and event trackers are created at run time by the API; `PersonalizeCleanup` removes them on delete.
 */
export class PersonalizeModel extends Construct {
  public readonly names: PersonalizeNames;
  public readonly datasetGroup: personalize.CfnDatasetGroup;
  public readonly interactionsSchema: personalize.CfnSchema;
  public readonly itemsSchema: personalize.CfnSchema;
  public readonly interactionsDataset: personalize.CfnDataset;
  public readonly itemsDataset: personalize.CfnDataset;
  /** The Items schema the dataset was created with (POST /items validates against it). */
  public readonly itemsSchemaDefinition: object;
  /** With `usersDataset` only. */
  public readonly usersSchema?: personalize.CfnSchema;
  public readonly usersDataset?: personalize.CfnDataset;
  /** The Users schema, with `usersDataset` only. */
  public readonly usersSchemaDefinition?: object;
  public readonly solution: personalize.CfnSolution;
  /** The role Personalize assumes to read the CSV files: s3:GetObject and s3:ListBucket, nothing more. */
  public readonly importRole: iam.Role;
  public readonly cleanup: PersonalizeCleanup;
  public readonly autoTraining: SolutionAutoTraining;
  public readonly filters: PersonalizeFilters;

  constructor(scope: Construct, id: string, props: PersonalizeModelProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const recipeArn = props.recipeArn ?? USER_PERSONALIZATION_RECIPE_ARN;
    const interactionsSchema = props.interactionsSchema ?? INTERACTIONS_SCHEMA;
    const itemsSchema = props.itemsSchema ?? (props.retirableItems ? RETIRABLE_ITEMS_SCHEMA : ITEMS_SCHEMA);
    const usersSchema = props.usersSchema ?? USERS_SCHEMA;
    this.itemsSchemaDefinition = itemsSchema;
    this.names = namesFor(props.namePrefix ?? stack.stackName, {
      interactionsSchema,
      itemsSchema,
      usersSchema,
      recipeArn,
      solutionConfig: props.solutionConfig,
    });
    // A recipe whose type the API or local mode cannot serve end to end is refused, naming those it can.
    servedRecipe(recipeArn);
    this.importRole = this.createImportRole(props);

    this.datasetGroup = new personalize.CfnDatasetGroup(this, 'DatasetGroup', {
      name: this.names.datasetGroup,
    });

    this.interactionsSchema = new personalize.CfnSchema(this, 'InteractionsSchema', {
      name: this.names.interactionsSchema,
      schema: JSON.stringify(interactionsSchema),
    });
    this.itemsSchema = new personalize.CfnSchema(this, 'ItemsSchema', {
      name: this.names.itemsSchema,
      schema: JSON.stringify(itemsSchema),
    });

    this.interactionsDataset = this.dataset('InteractionsDataset', {
      name: this.names.interactionsDataset,
      datasetType: 'Interactions',
      schema: this.interactionsSchema,
      jobName: this.names.interactionsImportJob,
      dataLocation: props.interactionDataLocation,
    });
    this.itemsDataset = this.dataset('ItemsDataset', {
      name: this.names.itemsDataset,
      datasetType: 'Items',
      schema: this.itemsSchema,
      jobName: this.names.itemsImportJob,
      dataLocation: props.itemDataLocation,
    });

    if (props.usersDataset) {
      this.usersSchemaDefinition = usersSchema;
      this.usersSchema = new personalize.CfnSchema(this, 'UsersSchema', {
        name: this.names.usersSchema,
        schema: JSON.stringify(usersSchema),
      });
      // Filled by PutUsers: no import job, so no data location and no import role.
      this.usersDataset = new personalize.CfnDataset(this, 'UsersDataset', {
        name: this.names.usersDataset,
        datasetType: 'Users',
        datasetGroupArn: this.datasetGroup.attrDatasetGroupArn,
        schemaArn: this.usersSchema.attrSchemaArn,
      });
    }

    this.solution = new personalize.CfnSolution(this, 'Solution', {
      name: this.names.solution,
      datasetGroupArn: this.datasetGroup.attrDatasetGroupArn,
      recipeArn,
      solutionConfig: props.solutionConfig,
    });
    // A solution is trained on the datasets; create it once they exist, delete it before them.
    this.solution.addResourceDependency(this.interactionsDataset);
    this.solution.addResourceDependency(this.itemsDataset);

    this.cleanup = this.createCleanup();
    this.autoTraining = this.createAutoTraining(props.autoTraining);
    const filters = props.filters ?? DEFAULT_FILTERS;
    this.filters = this.createFilters(props.retirableItems ? retiringFilters(filters) : filters);
    this.grant(this.filters.worker.function, FILTER_PERMISSIONS);
  }

  /** The declared filters, created once the datasets whose fields they name exist, deleted before them. */
  private createFilters(definitions: readonly FilterDefinition[]): PersonalizeFilters {
    const filters = new PersonalizeFilters(this, 'Filters', {
      datasetGroupArn: this.datasetGroup.attrDatasetGroupArn,
      names: this.names,
      definitions,
    });
    for (const filter of filters.filters) {
      filter.resource.node.addDependency(this.interactionsDataset, this.itemsDataset);
    }
    return filters;
  }

  /** The role Personalize assumes to import the CSV files: s3:GetObject and s3:ListBucket, nothing more. */
  private createImportRole(props: PersonalizeModelProps): iam.Role {
    const role = new iam.Role(this, 'ImportRole', {
      description: 'Lets Amazon Personalize read the dataset CSV files',
      assumedBy: new iam.ServicePrincipal('personalize.amazonaws.com', {
        // Confused-deputy guard: only Personalize acting for this account may assume the role.
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    });
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [props.bucketObjectsArn] }),
    );
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.bucketArn] }));
    return role;
  }

  /** Removes the run-time campaigns, trackers and training versions on delete (or replacement). */
  private createCleanup(): PersonalizeCleanup {
    const cleanup = new PersonalizeCleanup(this, 'Cleanup', {
      datasetGroupArn: this.datasetGroup.attrDatasetGroupArn,
      solutionArn: this.solution.attrSolutionArn,
    });
    for (const handler of cleanup.handlers) this.grant(handler.function, CLEANUP_PERMISSIONS);
    // Created after, so deleted before, the resources whose run-time children it removes.
    cleanup.resource.node.addDependency(this.solution, this.datasetGroup);
    return cleanup;
  }

  /** Sets the solution's automatic training, which AWS::Personalize::Solution cannot. */
  private createAutoTraining(setting: AutoTrainingSetting | undefined): SolutionAutoTraining {
    const autoTraining = new SolutionAutoTraining(this, 'AutoTraining', {
      solutionArn: this.solution.attrSolutionArn,
      setting,
    });
    this.grant(autoTraining.worker.function, AUTO_TRAINING_PERMISSIONS);
    // Deleted before the clean-up: automatic training is off before the clean-up's last pass, so no
    // automatic version starts training after it and blocks deleting the solution.
    autoTraining.resource.node.addDependency(this.cleanup.resource);
    return autoTraining;
  }

  /** ARNs or ARN patterns of this model's resources of the given kinds; `*` only for the kind `wildcardOnly`. */
  public arnsOf(kinds: readonly PersonalizeResourceKind[]): string[] {
    const stack = Stack.of(this);
    const inAccount = (resourceType: string) =>
      `arn:${stack.partition}:personalize:${stack.region}:${stack.account}:${resourceType}/*`;
    return kinds.flatMap((kind) => {
      switch (kind) {
        case 'datasetGroup':
          return [this.datasetGroup.attrDatasetGroupArn];
        case 'solution':
          return [this.solution.attrSolutionArn];
        case 'solutionVersion':
          // Version ARNs are the solution's ARN followed by `/<version id>`, but DescribeSolutionVersion,
          // CreateCampaign and StopSolutionVersionCreation authorize against the `solution` resource type
          // (Service Authorization Reference): both are granted.
          return [this.solution.attrSolutionArn, `${this.solution.attrSolutionArn}/*`];
        case 'campaign':
          return [inAccount('campaign')];
        case 'eventTracker':
          return [inAccount('event-tracker')];
        case 'filter':
          return this.filters.filters.map((filter) => filter.arn);
        case 'itemsDataset':
          return [this.itemsDataset.attrDatasetArn];
        case 'usersDataset':
          return this.usersDataset ? [this.usersDataset.attrDatasetArn] : [];
        case 'wildcardOnly':
          return ['*'];
      }
    });
  }

  /** Allows `grantee` each permission's actions on this model's resources of the kinds it names. */
  public grant(grantee: iam.IGrantable, permissions: readonly PersonalizePermission[]): void {
    for (const permission of permissions) {
      if (permission.actions.length === 0 || permission.resources.length === 0) {
        throw new Error(
          `A Personalize permission needs actions and resources, got ${JSON.stringify(permission)}`,
        );
      }
      if (permission.resources.includes('wildcardOnly') && permission.resources.length > 1) {
        throw new Error(
          `The resource kind 'wildcardOnly' ("*") cannot be combined with another kind: ${JSON.stringify(permission)}`,
        );
      }
      const resources = this.arnsOf(permission.resources);
      // A stack that declares no filter (or has no Users dataset) has nothing to grant it on.
      if (resources.length === 0) continue;
      grantee.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: [...permission.actions],
          resources,
          // The owner tag's value is the stack name (lib/contract/ownership.ts).
          conditions: ownerConditions(permission.owner, Stack.of(this).stackName),
        }),
      );
      if (grantee.grantPrincipal instanceof Construct) {
        this.acknowledgeWildcards(grantee.grantPrincipal, permission);
      }
    }
  }

  /** Environment variables holding the stack values named in a route's `environment`. */
  public environmentOf(environment: Readonly<Record<string, StackValue>> = {}): Record<string, string> {
    return Object.fromEntries(
      Object.entries(environment).map(([name, value]) => {
        switch (value) {
          case 'datasetGroupArn':
            return [name, this.datasetGroup.attrDatasetGroupArn];
          case 'solutionArn':
            return [name, this.solution.attrSolutionArn];
          case 'interactionsDatasetArn':
            return [name, this.interactionsDataset.attrDatasetArn];
          case 'itemsDatasetArn':
            return [name, this.itemsDataset.attrDatasetArn];
          case 'usersDatasetArn':
            // '' without a Users dataset: POST /users then answers that the stack has none.
            return [name, this.usersDataset?.attrDatasetArn ?? ''];
          case 'itemsSchema':
            return [name, JSON.stringify(this.itemsSchemaDefinition)];
          case 'usersSchema':
            return [name, this.usersSchemaDefinition ? JSON.stringify(this.usersSchemaDefinition) : ''];
          case 'defaultFilterArn':
            return [name, this.defaultFilterArn() ?? ''];
        }
      }),
    );
  }

  /** The filter GET /getRecommendations applies when a request names none: `available`, with retirable items. */
  public defaultFilterArn(): string | undefined {
    return this.filters.filters.find((filter) => filter.definition.name === AVAILABLE_FILTER_NAME)?.arn;
  }

  /** Acknowledges, on the grantee alone, the cdk-nag wildcard findings that `permission` causes. */
  private acknowledgeWildcards(principal: Construct, permission: PersonalizePermission): void {
    if (permission.resources.includes('wildcardOnly')) {
      acknowledge(principal, 'AwsSolutions-IAM5', noResourceLevelReason(permission.actions), ['Resource::*']);
      return;
    }
    const patterns = permission.resources.flatMap((kind) => this.findingOf(kind) ?? []);
    if (patterns.length > 0) {
      acknowledge(
        principal,
        'AwsSolutions-IAM5',
        'Solution versions, campaigns and event trackers are created at run time with caller-chosen names: the narrowest ARN that can be written is the resource type in this account and region (or the solution ARN followed by /*), never "*"; campaigns and event trackers are further limited to those carrying this stack\'s owner tag (IAM conditions on aws:RequestTag / aws:ResourceTag).',
        patterns,
      );
    }
  }

  /** How cdk-nag names the wildcard ARN pattern of a kind, when its ARN is a pattern. */
  private findingOf(kind: PersonalizeResourceKind): string | undefined {
    switch (kind) {
      case 'solutionVersion':
        return attributeFinding(this.solution, 'SolutionArn', '/*');
      case 'campaign':
        return accountPatternFinding(this, 'personalize', 'campaign/*');
      case 'eventTracker':
        return accountPatternFinding(this, 'personalize', 'event-tracker/*');
      default:
        return undefined;
    }
  }

  private dataset(
    id: string,
    spec: {
      name: string;
      datasetType: 'Interactions' | 'Items';
      schema: personalize.CfnSchema;
      jobName: string;
      dataLocation: string;
    },
  ): personalize.CfnDataset {
    const dataset = new personalize.CfnDataset(this, id, {
      name: spec.name,
      datasetType: spec.datasetType,
      datasetGroupArn: this.datasetGroup.attrDatasetGroupArn,
      schemaArn: spec.schema.attrSchemaArn,
      datasetImportJob: {
        jobName: spec.jobName,
        // `dataSource` is untyped and copied verbatim: CloudFormation wants PascalCase (aws-cdk issue 29411).
        dataSource: { DataLocation: spec.dataLocation },
        roleArn: this.importRole.roleArn,
      },
    });
    // The import job runs as the role: its policy must be attached first.
    dataset.node.addDependency(this.importRole);
    return dataset;
  }
}

/**
 * The names of the resources, which change with what makes CloudFormation replace them, so a replacement
 * can be created. What is fingerprinted must be known at synth time.
 */
function namesFor(prefix: string, inputs: PersonalizeNameInputs): PersonalizeNames {
  for (const [what, value] of Object.entries({
    recipeArn: inputs.recipeArn,
    solutionConfig: inputs.solutionConfig,
  })) {
    if (containsToken(value)) {
      throw new Error(
        `PersonalizeModel ${what} must be known at synth time: it is part of the solution's name`,
      );
    }
  }
  return personalizeNames(prefix, inputs);
}

/** True when `value` holds a CDK token anywhere (its string form would differ from synth to synth). */
function containsToken(value: unknown): boolean {
  if (Token.isUnresolved(value)) return true;
  if (Array.isArray(value)) return value.some(containsToken);
  if (value !== null && typeof value === 'object') return Object.values(value).some(containsToken);
  return false;
}

/** Why `actions` are granted on "*": the reason a reviewer reads in the cdk-nag acknowledgement. */
function noResourceLevelReason(actions: readonly string[]): string {
  const names = actions.join(', ');
  const putEvents = actions.includes('personalize:PutEvents')
    ? ' The PutEvents API reference says so explicitly: the role must allow personalize:PutEvents on "*".'
    : '';
  return `${names}: the Service Authorization Reference lists no resource type for ${actions.length > 1 ? 'these actions' : 'this action'}, so IAM matches ${actions.length > 1 ? 'them' : 'it'} only with "*" and any narrower resource would deny every call.${putEvents}`;
}
