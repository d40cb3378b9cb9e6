/**
 * The collaborative model shared by aws-user-personalization, aws-personalized-ranking and aws-sims:
 * `model.ts` serves it (recommend, rank, related items), `distribution.ts` holds serving's softmax arithmetic,
 * `training.ts` trains it from the neighbours (`neighbours.ts`) and the popularity prior
 * (`popularity-over-time.ts`), `snapshot.ts` is what it stores and how, `settings.ts` its tuned constants.
 */
export { COLLABORATIVE_SETTINGS } from './settings';
export { CollaborativeModel } from './model';
export { completeCollaborative, trainCollaborative } from './training';
export type { CollaborativeSnapshot, PackedSnapshot } from './snapshot';
