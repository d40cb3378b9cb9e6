/**
 * `npx cdk synth` warns (and `cdk deploy` refuses) when the installed CDK CLI is older than the cloud
 * assembly's `minimumCliVersion`, which aws-cdk-lib writes into manifest.json. The CLI the lockfile installs
 * must be at least that version, so a synth is free of the version warning. The minimum is the library's (its
 * cloud assembly schema's), the same for any app: a one-stack app shows it without synthesizing ours.
 */
import { expect } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnWaitConditionHandle, Stack } from 'aws-cdk-lib';

const versionOf = (version: string): number[] => version.split(/[.-]/, 3).map(Number);

function atLeast(actual: string, minimum: string): boolean {
  const [a, b] = [versionOf(actual), versionOf(minimum)];
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

describe('the CDK CLI and the library', () => {
  it('installs a CLI at least as new as the minimum the cloud assembly asks for', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'cdk-cli-version-')) });
    new CfnWaitConditionHandle(new Stack(app, 'Any'), 'Resource');
    const minimum = app.synth().manifest.minimumCliVersion;
    const installed = (
      JSON.parse(
        readFileSync(join(__dirname, '..', '..', 'node_modules', 'aws-cdk', 'package.json'), 'utf8'),
      ) as { version: string }
    ).version;
    rmSync(app.outdir, { recursive: true, force: true });
    expect(minimum).toMatch(/^\d+\.\d+\.\d+/);
    expect({ installed, atLeastMinimum: atLeast(installed, minimum!) }).toEqual({
      installed,
      atLeastMinimum: true,
    });
  });

  it('compares versions numerically (2.1148.1 is below 2.1148.2, 2.1149.0 above it)', () => {
    expect(atLeast('2.1148.1', '2.1148.2')).toBe(false);
    expect(atLeast('2.1149.0', '2.1148.2')).toBe(true);
    expect(atLeast('2.1148.2', '2.1148.2')).toBe(true);
    expect(atLeast('2.999.0', '2.1148.2')).toBe(false);
  });
});
