/**
 * What the custom-resources Provider framework expects back from the onEvent and isComplete handlers of
 * this project's custom resources (the clean-up and the solution's auto-training setting).
 */

export interface OnEventResponse {
  readonly PhysicalResourceId: string;
  /** Passed on to isComplete with the event. */
  readonly Data?: Record<string, string>;
}

export interface IsCompleteResponse {
  readonly IsComplete: boolean;
}
