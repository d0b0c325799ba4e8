import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import GithubSlugger from 'github-slugger';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The most lines the README may have: it is the page a newcomer reads top to bottom. */
const README_MAX_LINES = 320;

/** Markdown files below `dir` (relative to the root), node_modules left out. */
function markdownUnder(dir: string, recursive: boolean): string[] {
  if (!existsSync(join(root, dir))) return [];
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      return recursive && entry.name !== 'node_modules' ? markdownUnder(path, true) : [];
    }
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

/** Every page a reader follows links through, as paths relative to the root. */
const pages = [
  'README.md',
  'CONTRIBUTING.md',
  'CHANGELOG.md',
  'SECURITY.md',
  'BENCHMARKS.md',
  'sample-app/README.md',
  ...markdownUnder('consumers', true).filter((path) => path.endsWith('/README.md')),
  ...markdownUnder('docs', false),
].filter((path) => existsSync(join(root, path)));

/**
 * The lines of a markdown text with fenced code blocks blanked out, so that neither a link nor a
 * `# comment` in a shell block counts. A fence closes with the same character, at least as long.
 */
function proseLines(text: string): string[] {
  let fence: string | undefined;
  return text.split('\n').map((line) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined) {
      if (marker) fence = marker;
      return marker ? '' : line;
    }
    if (
      marker &&
      marker[0] === fence[0] &&
      marker.length >= fence.length &&
      !/\S/.test(line.trim().slice(marker.length))
    ) {
      fence = undefined;
    }
    return '';
  });
}

/** A heading as GitHub renders it to text: links become their text, code and tags lose markup. */
const headingText = (raw: string) =>
  raw
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .trim();

/** The anchors GitHub gives a markdown text: one per heading (numbered when repeated), and HTML ids. */
function anchorsOf(text: string): Set<string> {
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  const lines = proseLines(text);
  lines.forEach((line, index) => {
    const atx = /^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/.exec(line);
    const previous = lines[index - 1] ?? '';
    const setext =
      /^ {0,3}(=+|-+)[ \t]*$/.test(line) &&
      /\S/.test(previous) &&
      !/^ {0,3}(#|[-*+] |\d+[.)] |>|\|)/.test(previous);
    if (atx) anchors.add(slugger.slug(headingText(atx[1] ?? '')));
    else if (setext) anchors.add(slugger.slug(headingText(previous)));
    for (const [, id] of line.matchAll(/<a\s[^>]*\b(?:name|id)="([^"]+)"/g)) anchors.add(id!);
  });
  return anchors;
}

/** Every link and image target in the prose of a markdown text, with the line it is on. */
function linksOf(text: string): { line: number; target: string }[] {
  const links: { line: number; target: string }[] = [];
  proseLines(text).forEach((raw, index) => {
    const line = raw.replace(/(`+)[^`][\s\S]*?\1/g, (span) => ' '.repeat(span.length));
    const inline =
      /!?\[(?:[^[\]]|\[[^[\]]*\])*\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g;
    for (const [, target] of line.matchAll(inline))
      links.push({ line: index + 1, target: target! });
    const definition = /^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/.exec(line);
    if (definition) links.push({ line: index + 1, target: definition[1]! });
    for (const [, target] of line.matchAll(/<(?:a|img)\s[^>]*\b(?:href|src)="([^"]+)"/g)) {
      links.push({ line: index + 1, target: target! });
    }
  });
  return links.map(({ line, target }) => ({ line, target: target.replace(/^<|>$/g, '') }));
}

const external = (target: string) => /^[a-z][a-z\d+.-]*:/i.test(target) || target.startsWith('//');

/**
 * The links of `page` (relative to the root) whose file or directory does not exist, or whose
 * `#anchor` names no heading of the markdown file it points into; `text` is the page's content.
 */
function brokenLinks(page: string, text: string): string[] {
  const broken: string[] = [];
  for (const { line, target } of linksOf(text)) {
    if (external(target)) continue;
    const hash = target.indexOf('#');
    const path = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
    const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const file =
      path === ''
        ? join(root, page)
        : resolve(join(root, dirname(page)), path.startsWith('/') ? join(root, path) : path);
    const where = `${page}:${line}: ${target}`;
    if (path !== '' && !existsSync(file)) {
      broken.push(`${where} (no ${relative(root, file) || '.'})`);
      continue;
    }
    if (anchor === undefined || !file.endsWith('.md')) continue;
    const targetText = path === '' ? text : readFileSync(file, 'utf8');
    if (!anchorsOf(targetText).has(anchor)) {
      broken.push(`${where} (no heading #${anchor} in ${relative(root, file)})`);
    }
  }
  return broken;
}

describe('the documentation links', () => {
  it('covers the README, docs/ and the other pages', () => {
    expect(pages).toEqual(expect.arrayContaining(['README.md', 'sample-app/README.md']));
    expect(pages.filter((path) => path.startsWith('docs/')).length).toBeGreaterThan(0);
  });

  it.each(pages)('%s: every relative link resolves, anchors included', (page) => {
    expect(brokenLinks(page, readFileSync(join(root, page), 'utf8'))).toEqual([]);
  });

  it('finds a missing file, a missing anchor in this page or another, and skips code', () => {
    const text = [
      '# A page',
      '[fine](#a-page) [fine too](../README.md#quick-start) [a folder](../lib) [web](https://example.com)',
      '[gone](missing.md) [no such heading](#nowhere)',
      '![no image](missing.svg) and [not in the README](../README.md#nowhere)',
      '`[in a code span](missing-too.md)`',
      '```md',
      '[in a code block](missing-as-well.md)',
      '# not a heading',
      '```',
      '[heading inside a code block](#not-a-heading)',
    ].join('\n');
    expect(brokenLinks('docs/example.md', text)).toEqual([
      'docs/example.md:3: missing.md (no docs/missing.md)',
      'docs/example.md:3: #nowhere (no heading #nowhere in docs/example.md)',
      'docs/example.md:4: missing.svg (no docs/missing.svg)',
      'docs/example.md:4: ../README.md#nowhere (no heading #nowhere in README.md)',
      'docs/example.md:10: #not-a-heading (no heading #not-a-heading in docs/example.md)',
    ]);
  });

  it('gives headings the anchors GitHub gives them', () => {
    const anchors = anchorsOf(
      [
        '# Manual reload and `notify: false`',
        '## Fleet (etcd)',
        '## Fleet (etcd)',
        'Setext',
        '======',
      ].join('\n'),
    );
    expect([...anchors]).toEqual([
      'manual-reload-and-notify-false',
      'fleet-etcd',
      'fleet-etcd-1',
      'setext',
    ]);
  });
});

describe('the README', () => {
  it(`stays short: at most ${README_MAX_LINES} lines`, () => {
    const lines = readFileSync(join(root, 'README.md'), 'utf8').trimEnd().split('\n').length;
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });
});
