import type { EmulatorContext, Operation, ServiceOptions } from './context';
import { runImport } from './control-plane/import-jobs';
import { runTraining } from './control-plane/solution-versions';
import { putEvents, putItems, putUsers } from './events';
import { Lifecycle } from './lifecycle';
import type { TrainedModel } from './model/types';
import { CONTROL_PLANE_OPERATIONS } from './operations';
import { getPersonalizedRanking, getRecommendations } from './runtime';
import type { RequestBody } from './validation';

export type { ModelModule, ServiceOptions } from './context';
export { parseAvroSchema } from './avro';

/**
 * Personalize's resources and rules: the control plane operations, their lifecycles, and the data the events
 * and runtime APIs read and write. Protocol framing lives in server.ts; the service only sees decoded bodies.
 * The operations live in one module per resource (control-plane/), events.ts and runtime.ts, and share the
 * state through an EmulatorContext.
 */
export class PersonalizeService {
  private readonly ctx: EmulatorContext;
  /** The control plane, by operation name as it appears in `x-amz-target`. */
  readonly operations: Readonly<Record<string, (body: RequestBody) => unknown>>;

  constructor(options: ServiceOptions) {
    const loadedModels = new Map<string, TrainedModel>();
    const lifecycle = new Lifecycle(options.store, loadedModels, options.transitionMs, options.now);
    const ctx: EmulatorContext = { store: options.store, options, loadedModels, lifecycle };
    this.ctx = ctx;
    this.operations = bind(ctx, CONTROL_PLANE_OPERATIONS);
    lifecycle.resume((record) =>
      record.kind === 'datasetImportJob'
        ? () => runImport(ctx, record)
        : record.kind === 'solutionVersion'
          ? () => runTraining(ctx, record)
          : undefined,
    );
  }

  close(): void {
    this.ctx.lifecycle.close();
  }

  putEvents(body: RequestBody): void {
    putEvents(this.ctx, body);
  }

  putItems(body: RequestBody): void {
    putItems(this.ctx, body);
  }

  putUsers(body: RequestBody): void {
    putUsers(this.ctx, body);
  }

  getRecommendations(body: RequestBody): unknown {
    return getRecommendations(this.ctx, body);
  }

  getPersonalizedRanking(body: RequestBody): unknown {
    return getPersonalizedRanking(this.ctx, body);
  }
}

/** The operations with the context applied: what the server calls with a decoded body. */
function bind(
  ctx: EmulatorContext,
  operations: Readonly<Record<string, Operation>>,
): Readonly<Record<string, (body: RequestBody) => unknown>> {
  return Object.fromEntries(
    Object.entries(operations).map(([name, operation]) => [
      name,
      (body: RequestBody) => operation(ctx, body),
    ]),
  );
}
