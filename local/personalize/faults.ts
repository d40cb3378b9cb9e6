/**
 * Fault injection for tests of the callers: make the next N calls of an operation fail with a chosen error,
 * before the operation touches any state (so a failed PutEvents stored nothing and a retry is a first try).
 */
export interface FaultSpec {
  /** How many of the next calls fail. */
  readonly failNext: number;
  /**
   * The error to answer with: a Personalize exception name (InvalidInputException, ResourceNotFoundException,
   * ...), `ThrottlingException` (429) or anything else (500, e.g. `InternalServerError`, which the SDK retries).
   * @default 'InternalServerError'
   */
  readonly errorType?: string;
  /** @default 'Injected fault' */
  readonly message?: string;
}

export interface InjectedFault {
  readonly errorType: string;
  readonly message: string;
}

export class FaultInjector {
  private readonly pending = new Map<string, { remaining: number; errorType: string; message: string }>();

  /** Arms faults by operation name (`PutEvents`, `GetRecommendations`, `CreateCampaign`, ...). */
  set(faults: Readonly<Record<string, FaultSpec>>): void {
    for (const [operation, spec] of Object.entries(faults)) {
      if (!Number.isInteger(spec.failNext) || spec.failNext < 0) {
        throw new Error(
          `failNext for ${operation} must be a non-negative integer, got ${String(spec.failNext)}`,
        );
      }
      this.pending.set(normalise(operation), {
        remaining: spec.failNext,
        errorType: spec.errorType ?? 'InternalServerError',
        message: spec.message ?? `Injected fault for ${operation}`,
      });
    }
  }

  clear(): void {
    this.pending.clear();
  }

  /** Consumes one armed fault of the operation, if any. */
  take(operation: string): InjectedFault | undefined {
    const fault = this.pending.get(normalise(operation));
    if (!fault || fault.remaining <= 0) return undefined;
    fault.remaining--;
    return { errorType: fault.errorType, message: fault.message };
  }

  /** What is still armed, by operation: the admin endpoint reports it. */
  armed(): Record<string, number> {
    return Object.fromEntries([...this.pending].map(([op, f]) => [op, f.remaining]));
  }
}

// Accept `putEvents` as well as `PutEvents`.
function normalise(operation: string): string {
  return operation.charAt(0).toUpperCase() + operation.slice(1);
}
