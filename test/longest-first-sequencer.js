/**
 * jest's order of the test files: the longest first, so that neither worker ends the run alone on a long file
 * started last. jest's own order puts the slowest first only from the timings of an earlier run in the same
 * checkout (its cache); a fresh clone (CI) has none and would go by file size, which starts the local-mode e2e
 * suites, the longest, among the last. The files below are the longest of a whole-suite profile (each file's
 * time in a run, longest first); the rest follow in jest's own order.
 */
const Sequencer = require('@jest/test-sequencer').default;

const LONGEST = [
  'test/local/recipes.e2e.test.ts',
  'test/local/postman.e2e.test.ts',
  'test/infra/cdk-nag.test.ts',
  'test/infra/catalogue.test.ts',
  'test/local/walkthrough.e2e.test.ts',
  'test/local/restart-outputs.e2e.test.ts',
  'test/local/demo-page.e2e.test.ts',
  'test/local/demo-page-new-item.e2e.test.ts',
  'test/local/state-dir.e2e.test.ts',
  'test/local/readme-walkthrough.e2e.test.ts',
  'test/local/provisioning.e2e.test.ts',
  'test/local/next-step.e2e.test.ts',
  'test/local/demo-page-layout.e2e.test.ts',
  'test/infra/demo-page.test.ts',
  'test/infra/recipes.test.ts',
  // Long when it bundles every function itself (no bundles from .ci/run's cdk synth: bundled-synth.ts).
  'test/infra/bundle-size.test.ts',
];

class LongestFirst extends Sequencer {
  async sort(tests) {
    const ordered = await super.sort(tests);
    const rank = (test) => {
      const at = LONGEST.findIndex((file) => test.path.endsWith(file));
      return at === -1 ? LONGEST.length : at;
    };
    // Array sort is stable: the files not listed keep jest's order.
    return [...ordered].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = LongestFirst;
