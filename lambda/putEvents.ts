// Placeholder until the handler lands.
export const handler = async (): Promise<never> => {
  throw new Error('putEvents is not implemented yet');
};
