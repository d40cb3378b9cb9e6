import type { EmulatorContext, Operation, ServiceOptions } from './context';
import { runImport } from './control-plane/import-jobs';
import { runTraining } from './control-plane/solution-versions';
import { resumeSolutions, solutionActive } from './control-plane/solutions';
import { Lifecycle } from './lifecycle';
import type { TrainedModel } from './model/types';
import { CONTROL_PLANE_OPERATIONS, REST_OPERATIONS, type RestOperation } from './operations';
import { checkInput, CONTROL_PLANE_RULES, REST_RULES, type StructureRule } from './rules';
import type { RequestBody } from './validation';
import { ServiceMetrics } from './service-metrics';
import { Impressions } from './impressions';
import { resumeAutomaticUpdates, runAutomaticUpdatesNow, startAutomaticUpdates } from './exploration';

export type { ServiceOptions } from './context';

/**
 * Personalize's resources and rules: the control plane operations, their lifecycles, and the data the events
 * and runtime APIs read and write. Protocol framing lives in server.ts; the service only sees decoded bodies.
 * The operations live in one module per resource (control-plane/), events.ts and runtime.ts, and share the
 * state through an EmulatorContext.
 */
export class PersonalizeService {
  private readonly ctx: EmulatorContext;
  /** The control plane, by operation name as it appears in `x-amz-target`. */
  readonly operations: Readonly<Record<string, BoundOperation>>;
  /** The events and runtime APIs, by path. */
  readonly restOperations: Readonly<Record<string, RestOperation<BoundOperation>>>;
  /** What Personalize would publish to CloudWatch, counted (service-metrics.ts). */
  readonly serviceMetrics: ServiceMetrics;

  constructor(options: ServiceOptions) {
    const loadedModels = new Map<string, TrainedModel>();
    const { clock, scheduler } = options;
    const lifecycle = new Lifecycle(
      options.store,
      loadedModels,
      options.transitionMs,
      clock,
      scheduler,
      options.transitionMsByKind,
    );
    this.serviceMetrics = new ServiceMetrics(() => clock.now());
    const ctx: EmulatorContext = {
      store: options.store,
      options,
      clock,
      scheduler,
      loadedModels,
      lifecycle,
      serviceMetrics: this.serviceMetrics,
      impressions: new Impressions(options.store.stateDirectory),
      peerPopularity: new Map(),
    };
    this.ctx = ctx;
    this.operations = Object.fromEntries(
      Object.entries(CONTROL_PLANE_OPERATIONS).map(([name, call]) => [
        name,
        bind(ctx, CONTROL_PLANE_RULES[name], call),
      ]),
    );
    this.restOperations = Object.fromEntries(
      Object.entries(REST_OPERATIONS).map(([path, { operation, call }]) => [
        path,
        { operation, call: bind(ctx, REST_RULES[operation], call) },
      ]),
    );
    lifecycle.resume((record) =>
      record.kind === 'datasetImportJob'
        ? { work: () => runImport(ctx, record) }
        : record.kind === 'solutionVersion'
          ? { work: () => runTraining(ctx, record), onActive: () => startAutomaticUpdates(ctx, record) }
          : record.kind === 'solution'
            ? { onActive: () => solutionActive(ctx, record) }
            : {},
    );
    resumeSolutions(ctx);
    resumeAutomaticUpdates(ctx);
  }

  /** User-Personalization's automatic updates, run now (exploration.ts); the ARNs of the versions updated. */
  runAutomaticUpdates(): string[] {
    return runAutomaticUpdatesNow(this.ctx);
  }

  /** The current tags of a resource, by key; undefined when there is no such resource. */
  tagsOf(arn: string): Record<string, string> | undefined {
    const record = this.ctx.store.get(arn);
    return record && Object.fromEntries((record.tags ?? []).map((t) => [t.tagKey, t.tagValue]));
  }

  close(): void {
    this.ctx.lifecycle.close();
    // The lists answered by recommendationId are kept at close, not per request (impressions.ts).
    this.ctx.impressions.checkpoint();
  }
}

/** An operation with the context applied: what the server calls with a decoded body. */
export type BoundOperation = (body: RequestBody) => unknown;

/** Binds an operation to the context, behind the model's input rules for it (rules.ts). */
function bind(ctx: EmulatorContext, rules: StructureRule | undefined, operation: Operation): BoundOperation {
  if (!rules) throw new Error(`No input rules for an operation: add them to rules.ts`);
  return (body) => {
    checkInput(rules, body);
    return operation(ctx, body);
  };
}
