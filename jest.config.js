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
  // jest runs each module in a vm context, where every read of a global goes through the context's
  // interceptor: Math.exp in the emulator's training loops ran about 15 times slower than under plain Node
  // (the sample's co-occurrence neighbours 1.9 s of CPU against 0.2). These globals are handed to each module
  // as parameters instead: the same objects. Not those fake timers replace (Date, the timers), nor a name some
  // module declares at its top level (Array, Promise, Buffer, Uint8Array, Error, RegExp): a parameter of that
  // name would keep it from loading.
  sandboxInjectedGlobals: [
    'Math',
    'Number',
    'Object',
    'JSON',
    'Map',
    'Set',
    'String',
    'Symbol',
    'Float64Array',
    'Int32Array',
    'Uint32Array',
  ],
};
