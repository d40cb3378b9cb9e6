// Placeholder until the handler lands.
export const handler = async (): Promise<never> => {
  throw new Error('deleteResources is not implemented yet');
};
