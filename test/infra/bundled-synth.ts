/**
 * The bundled synthesis `.ci/run` has already made: its `cdk synth` (bin/app.ts, every function bundled) writes
 * to BUNDLED_OUT with the usersDataset context, then BUNDLED_KEY_FILE with the key of the sources it read, so the
 * bundle test reads those bundles instead of bundling every function again in its own process (a CDK bundling
 * runs `npx --no-install esbuild` per function: about 0.8 s of CPU each before esbuild starts). The key is a
 * hash of every file a synthesis reads from the project (its code, data, settings and lock file) and of the
 * context: any change since, or no key, and the test synthesizes for itself, as under `npm test` alone.
 *
 * `npx tsx test/infra/bundled-synth.ts` prints the key of the sources as they are now.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Where `.ci/run` synthesizes, and the key it writes beside after a synthesis succeeded. */
const BUNDLED_OUT = join(ROOT, 'cdk.out', 'bundled');
const BUNDLED_KEY_FILE = join(BUNDLED_OUT, 'sources.key');
/** The context of that synthesis (`-c usersDataset=true`): every function the stack can have. */
export const BUNDLED_CONTEXT: Readonly<Record<string, string>> = { usersDataset: 'true' };

const SOURCE_DIRECTORIES = ['bin', 'lib', 'lambda', 'local', 'data'];
const SOURCE_FILES = ['cdk.json', 'cdk.context.json', 'package.json', 'package-lock.json', 'tsconfig.json'];

function filesUnder(directory: string): string[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : filesUnder(path);
    return entry.isFile() ? [path] : [];
  });
}

/** The key of the project's sources now and of the bundled synthesis's context. */
function bundledSynthKey(): string {
  const hash = createHash('sha256').update(JSON.stringify(BUNDLED_CONTEXT));
  const files = [
    ...SOURCE_DIRECTORIES.flatMap((directory) => filesUnder(join(ROOT, directory))),
    ...SOURCE_FILES.map((file) => join(ROOT, file)).filter((file) => existsSync(file)),
  ].sort();
  for (const file of files) {
    const content = readFileSync(file);
    hash.update(`${relative(ROOT, file)}\0${content.length}\0`).update(content);
  }
  return hash.digest('hex');
}

/**
 * The environment variable by which `.ci/run` names the process of its bundled synthesis when it starts `npm test`
 * beside it; the bundle test waits for that process before it looks for the key.
 */
const SYNTH_PROCESS_VARIABLE = 'NRT_BUNDLED_SYNTH_PID';

/**
 * Resolves once `.ci/run`'s bundled synthesis, if one is under way beside this run, has ended (or `boundMs` has
 * passed: then the caller finds no key and bundles for itself).
 */
export async function bundledSynthEnded(boundMs: number): Promise<void> {
  const pid = Number(process.env[SYNTH_PROCESS_VARIABLE]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  const deadline = Date.now() + boundMs;
  while (processRunning(pid) && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 500));
}

/** Whether a process with this pid exists (signal 0 probes without signalling). */
export function processRunning(pid: number): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** The directory of `.ci/run`'s bundled synthesis when its key is that of the sources now, else undefined. */
export function reusableBundledSynth(): string | undefined {
  if (!existsSync(BUNDLED_KEY_FILE)) return undefined;
  return readFileSync(BUNDLED_KEY_FILE, 'utf8').trim() === bundledSynthKey() ? BUNDLED_OUT : undefined;
}

if (require.main === module) process.stdout.write(`${bundledSynthKey()}\n`);
