import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

// The README is the five-minute read (issue 15): short, a map of every app and lib, and links into
// docs/ that resolve. Each rule here is one a growing project breaks without noticing.

const root = join(__dirname, '..', '..', '..');
const readmePath = join(root, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const docs = readdirSync(join(root, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => join(root, 'docs', name));

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as dashes. */
function anchorsOf(path: string): Set<string> {
  const headings = readFileSync(path, 'utf8').match(/^#+ .*$/gm) ?? [];
  return new Set(
    headings.map((heading) =>
      heading
        .replace(/^#+ /, '')
        .trim()
        .toLowerCase()
        .replace(/[^\w\- ]/g, '')
        .replace(/ /g, '-'),
    ),
  );
}

function brokenLinksOf(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const broken: string[] = [];
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/.test(target)) continue;
    const [file, anchor] = target.split('#');
    const resolved = file ? join(dirname(path), file) : path;
    if (!existsSync(resolved)) broken.push(`${relative(root, path)}: ${target}`);
    else if (anchor && statSync(resolved).isFile() && !anchorsOf(resolved).has(anchor))
      broken.push(`${relative(root, path)}: ${target} (no such heading)`);
  }
  return broken;
}

describe('README.md', () => {
  it('stays under 8 KB', () => {
    expect(Buffer.byteLength(readme)).toBeLessThan(8192);
  });

  it('maps every app and lib', () => {
    const folders = ['apps', 'libs'].flatMap((parent) =>
      readdirSync(join(root, parent), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => `${parent}/${entry.name}`),
    );
    const unmapped = folders.filter((folder) => !readme.includes(`  ${folder.split('/')[1]}/`));
    expect(unmapped).toEqual([]);
  });

  it('links every page of docs/', () => {
    const unlinked = docs.filter((path) => !readme.includes(`](docs/${relative(join(root, 'docs'), path)}`));
    expect(unlinked.map((path) => relative(root, path))).toEqual([]);
  });

  it('and it and the pages of docs/ link only to files and headings that exist', () => {
    expect([readmePath, ...docs].flatMap(brokenLinksOf)).toEqual([]);
  });
});
