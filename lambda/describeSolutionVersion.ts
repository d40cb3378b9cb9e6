// Placeholder until the handler lands.
export const handler = async (): Promise<never> => {
  throw new Error('describeSolutionVersion is not implemented yet');
};
