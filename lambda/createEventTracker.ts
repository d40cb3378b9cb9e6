// Placeholder until the handler lands.
export const handler = async (): Promise<never> => {
  throw new Error('createEventTracker is not implemented yet');
};
