/**
 * Every relative link of README.md and docs/*.md leads somewhere: the file or folder exists in the repository
 * and, when the link names an anchor (`page.md#section`, `#section`), the target Markdown file has a heading
 * (or an `<a id>` / `<a name>`) with that anchor, computed as GitHub computes it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

/** A link found in a Markdown file: its target as written and the line it is on. */
interface Link {
  readonly target: string;
  readonly line: number;
}

const blank = (text: string) => text.replace(/[^\n]/g, ' ');

/** Fenced code blocks blanked out (line breaks kept), so a `#` comment in a shell block is not a heading. */
function withoutFences(markdown: string): string {
  return markdown.replace(/^( {0,3})(```+|~~~+)[^\n]*\n[\s\S]*?^ {0,3}\2[^\n]*$/gm, blank);
}

/** Fenced code blocks and inline code spans blanked out, so what they hold is not taken for a link. */
function withoutCode(markdown: string): string {
  return withoutFences(markdown).replace(/(`+)[^`\n][\s\S]*?\1/g, blank);
}

/** Inline links and images `[text](target "title")`, and reference definitions `[label]: target`. */
function extractLinks(markdown: string): Link[] {
  const text = withoutCode(markdown);
  const links: Link[] = [];
  const lineOf = (index: number) => text.slice(0, index).split('\n').length;
  for (const match of text.matchAll(/\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+"[^"]*")?\s*\)/g)) {
    links.push({ target: (match[1] as string).replace(/^<|>$/g, ''), line: lineOf(match.index) });
  }
  for (const match of text.matchAll(/^ {0,3}\[[^\]]+\]:\s*(\S+)/gm)) {
    links.push({ target: match[1] as string, line: lineOf(match.index) });
  }
  return links;
}

/** GitHub's anchor for a heading's text: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link's text only
    .replace(/<[^>]+>/g, '') // inline HTML
    .replace(/`/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a Markdown file defines: its headings' (numbered -1, -2... when repeated) and `<a id>`s. */
function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  const seen = new Map<string, number>();
  for (const match of withoutFences(markdown).matchAll(/^ {0,3}#{1,6}[ \t]+(.*?)[ \t#]*$/gm)) {
    const base = slug(match[1] as string);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const match of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) found.add(match[1] as string);
  return found;
}

/**
 * The broken relative links of one Markdown file, each as `file:line: target (why)`. `read` and `exists` are
 * the file system's, or a test's stand-ins.
 */
function brokenLinks(
  file: string,
  read: (path: string) => string = (path) => readFileSync(path, 'utf8'),
  exists: (path: string) => boolean = existsSync,
): string[] {
  const problems: string[] = [];
  const name = relative(ROOT, file);
  for (const { target, line } of extractLinks(read(file))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue; // https:, mailto:...
    const [pathPart = '', anchor] = target.split('#', 2);
    let path: string;
    try {
      path = pathPart === '' ? file : resolve(dirname(file), decodeURIComponent(pathPart));
    } catch {
      problems.push(`${name}:${line}: ${target} (not a valid URL path)`);
      continue;
    }
    if (relative(ROOT, path).startsWith('..')) {
      problems.push(`${name}:${line}: ${target} (leaves the repository)`);
      continue;
    }
    if (!exists(path)) {
      problems.push(`${name}:${line}: ${target} (no such file: ${relative(ROOT, path)})`);
      continue;
    }
    if (anchor === undefined || anchor === '') continue;
    if (!path.endsWith('.md')) {
      problems.push(`${name}:${line}: ${target} (an anchor into a file that is not Markdown)`);
    } else if (!anchors(read(path)).has(decodeURIComponent(anchor))) {
      problems.push(`${name}:${line}: ${target} (no heading #${anchor} in ${relative(ROOT, path)})`);
    }
  }
  return problems;
}

/** README.md and every Markdown file under docs/. */
function documentationFiles(): string[] {
  const files = [join(ROOT, 'README.md')];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.md')) files.push(path);
    }
  };
  if (existsSync(join(ROOT, 'docs'))) walk(join(ROOT, 'docs'));
  return files;
}

describe('relative links of README.md and docs/', () => {
  const files = documentationFiles();

  it('covers README.md and the pages of docs/', () => {
    expect(files.map((file) => relative(ROOT, file))).toEqual(
      expect.arrayContaining(['README.md', expect.stringMatching(/^docs\/.+\.md$/)]),
    );
  });

  it.each(files.map((file) => [relative(ROOT, file), file]))('%s has no broken link', (_name, file) => {
    const links = extractLinks(readFileSync(file, 'utf8'));
    expect(brokenLinks(file)).toEqual([]);
    // A page of docs/ that links nowhere would pass vacuously; every page links back at least.
    expect(links.length).toBeGreaterThan(0);
  });
});

describe('the link checker', () => {
  const page = join(ROOT, 'docs', 'page.md');
  const other = join(ROOT, 'docs', 'other.md');
  const pages: Record<string, string> = {
    [other]:
      '# Other page\n\n## The `GET /status` route\n\n## Step 1: train\n\n## Step 1: train\n<a id="kept"></a>\n',
  };
  const check = (markdown: string) =>
    brokenLinks(
      page,
      (path) => (path === page ? markdown : (pages[path] ?? '')),
      (path) => path === page || path in pages || path === join(ROOT, 'docs'),
    );

  it('accepts links to existing files, folders, headings and explicit anchors', () => {
    expect(
      check(
        [
          '# Page',
          '[a](other.md) [b](./other.md#the-get-status-route) [c](other.md#step-1-train-1) [d](#page)',
          '[e](other.md#kept) [f](../docs) [g](https://example.com/x.md#nowhere) [h](mailto:someone@example.com)',
          '[ref]: other.md#other-page',
        ].join('\n'),
      ),
    ).toEqual([]);
  });

  it('reports a missing file, a missing anchor, a repeated heading numbered too far and a link leaving the repository', () => {
    expect(
      check(
        [
          '# Page',
          '[a](missing.md)',
          '[b](other.md#no-such-section) [c](other.md#step-1-train-2)',
          '[d](#nowhere) [e](../../../etc/passwd)',
          '[ref]: gone/page.md',
        ].join('\n'),
      ),
    ).toEqual([
      'docs/page.md:2: missing.md (no such file: docs/missing.md)',
      'docs/page.md:3: other.md#no-such-section (no heading #no-such-section in docs/other.md)',
      'docs/page.md:3: other.md#step-1-train-2 (no heading #step-1-train-2 in docs/other.md)',
      'docs/page.md:4: #nowhere (no heading #nowhere in docs/page.md)',
      'docs/page.md:4: ../../../etc/passwd (leaves the repository)',
      'docs/page.md:5: gone/page.md (no such file: docs/gone/page.md)',
    ]);
  });

  it('ignores what looks like a link inside code', () => {
    expect(check('# Page\n\n`[a](missing.md)`\n\n```\n[b](missing.md)\n```\n')).toEqual([]);
  });

  it('computes anchors as GitHub does', () => {
    expect(slug('What `/data` accepts but cannot deliver')).toBe('what-data-accepts-but-cannot-deliver');
    expect(slug('How events flow, and why none is lost')).toBe('how-events-flow-and-why-none-is-lost');
    expect(slug('Quick start: the whole system on your laptop')).toBe(
      'quick-start-the-whole-system-on-your-laptop',
    );
    expect(slug('Local S3 → S3 [buckets](x.md)')).toBe('local-s3--s3-buckets');
  });
});
