// Placeholder until the handler lands.
export const handler = async (): Promise<never> => {
  throw new Error('getRecommendations is not implemented yet');
};
