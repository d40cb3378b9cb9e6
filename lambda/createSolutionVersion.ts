// Placeholder until the handler lands.
export const handler = async (): Promise<never> => {
  throw new Error('createSolutionVersion is not implemented yet');
};
