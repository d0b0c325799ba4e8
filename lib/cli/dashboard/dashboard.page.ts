import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The page's files, served from the package (dist/cli/dashboard/page/): no CDN, no build step. */
const SCRIPT = 'text/javascript; charset=utf-8';
const PAGE_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
  // ES modules: the browser loads what dashboard.js imports from the same origin.
  ...Object.fromEntries(
    ['dashboard.js', 'dom.js', 'fleet-rows.js', 'history.js', 'actions.js'].map((file) => [
      `/${file}`,
      { file, type: SCRIPT },
    ]),
  ),
};

const pageDir = join(__dirname, 'page');

/** The file a GET of `path` serves, or undefined when the page has none by that name. */
export async function pageFile(path: string): Promise<{ body: Buffer; type: string } | undefined> {
  const entry = PAGE_FILES[path];
  if (!entry) return undefined;
  return { body: await readFile(join(pageDir, entry.file)), type: entry.type };
}
