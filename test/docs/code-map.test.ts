/**
 * The code map (docs/code-map.md) names every source file of the repository: the file itself, or the folder
 * holding it. A new file or folder that is not on the map fails here.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

/** Paths written in backticks in the map, with a folder's trailing slash dropped. */
function mapped(): Set<string> {
  const text = readFileSync(join(ROOT, 'docs', 'code-map.md'), 'utf8');
  return new Set([...text.matchAll(/`([^`\s]+)`/g)].map((match) => (match[1] ?? '').replace(/\/$/, '')));
}

/** The source files git tracks, tests included (the map has a section per test folder). */
function sourceFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '*.ts', '*.sh', '*.html', '*.css'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return out.split('\n').filter((file) => file && !file.startsWith('test/'));
}

/**
 * The file, or one of its folders, is on the map. A row like `lambda/<route>.ts` followed by the names
 * (`createCampaign`, ...) maps each file so named in that folder.
 */
function isMapped(file: string, paths: Set<string>): boolean {
  if (paths.has(file)) return true;
  const stem = basename(file).replace(/\.[a-z]+$/, '');
  if (paths.has(stem) && [...paths].some((path) => path.startsWith(`${dirname(file)}/<`))) return true;
  for (let folder = dirname(file); folder !== '.'; folder = dirname(folder)) {
    if (paths.has(folder) && folder.includes('/')) return true;
  }
  return false;
}

describe('the code map', () => {
  it('names every source file, or its folder', () => {
    const paths = mapped();
    expect(sourceFiles().filter((file) => !isMapped(file, paths))).toEqual([]);
  });

  it('names only paths that exist', () => {
    const files = new Set(sourceFiles());
    const stale = [...mapped()].filter(
      (path) => /^(bin|lib|lambda|local|scripts|data)\/[\w./-]+\.(ts|sh)$/.test(path) && !files.has(path),
    );
    expect(stale).toEqual([]);
  });
});
