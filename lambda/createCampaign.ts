// Placeholder until the handler lands.
export const handler = async (): Promise<never> => {
  throw new Error('createCampaign is not implemented yet');
};
