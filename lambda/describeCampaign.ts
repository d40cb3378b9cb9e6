// Placeholder until the handler lands.
export const handler = async (): Promise<never> => {
  throw new Error('describeCampaign is not implemented yet');
};
