/**
 * Synthesizes each of SHARED_VARIANTS once for a test run, into the directory given (test/infra/synth.ts reads
 * them): the template as JSON (with its tree report when the variant asks for it), or the error a refused
 * variant throws. Natively, in one process, the construct
 * modules load once for every variant. Each file appears whole (written aside, then renamed); `done` last.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheFileOf, SHARED_VARIANTS, synthesizeHere, type CachedVariant } from './synth';

function produce(directory: string): void {
  for (const options of SHARED_VARIANTS) {
    let variant: CachedVariant;
    try {
      const synth = synthesizeHere(options);
      variant = { template: synth.template.toJSON(), ...(options.tree ? { tree: synth.tree } : {}) };
    } catch (error) {
      variant = { error: error instanceof Error ? error.message : String(error) };
    }
    const file = cacheFileOf(directory, options);
    writeFileSync(`${file}.partial`, JSON.stringify(variant));
    renameSync(`${file}.partial`, file);
  }
  writeFileSync(join(directory, 'done'), '');
}

const directory = process.argv[2];
if (!directory) throw new Error('usage: synth-cache-producer.ts <directory>');
produce(directory);
