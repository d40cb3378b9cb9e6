/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true, diagnostics: false }],
  },
  // One directory per run for the synthesized templates the infra tests share (test/infra/synth.ts).
  globalSetup: '<rootDir>/test/synth-cache-setup.ts',
  globalTeardown: '<rootDir>/test/synth-cache-teardown.ts',
  setupFilesAfterEnv: ['aws-sdk-client-mock-jest'],
  // The longest files first (test/longest-first-sequencer.js).
  testSequencer: '<rootDir>/test/longest-first-sequencer.js',
  testTimeout: 60000,
  // Type checking is `npm run build`; tests transpile only, which keeps them fast on two cores.
  maxWorkers: 2,
};
