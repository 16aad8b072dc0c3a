import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

// What the console's analytics suite needs beside the platform: a current build of the console, the
// signed-in state put where the console's session code looks for it, and the per-screen checks
// (axe, no horizontal scrolling at phone width, screenshots).

export const ROOT = join(__dirname, '..', '..', '..');
const CONSOLE_DIR = join(ROOT, 'apps', 'console');
const CONSOLE_INDEX = join(ROOT, 'dist', 'console', 'index.html');
export const SCREENSHOTS = join(ROOT, '.data', 'screenshots', 'console');

function newestChange(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestChange(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Builds dist/console when it is missing or older than the console's sources (a build from another
 * branch would not have the screens under test), and fails with the command to run if that fails.
 */
export function ensureConsoleBuild(runnerEnv: NodeJS.ProcessEnv): void {
  const stale =
    !existsSync(CONSOLE_INDEX) ||
    statSync(CONSOLE_INDEX).mtimeMs <
      Math.max(newestChange(join(CONSOLE_DIR, 'src')), statSync(join(CONSOLE_DIR, 'index.html')).mtimeMs);
  if (stale) {
    try {
      // The runner's NODE_ENV=test would make Vite bundle React's development build.
      execFileSync(process.execPath, [join(CONSOLE_DIR, 'scripts', 'build.mjs')], {
        cwd: ROOT,
        stdio: 'inherit',
        env: { ...runnerEnv, NODE_ENV: 'production' },
      });
    } catch (error) {
      throw new Error(
        `Building the console failed (run \`node apps/console/scripts/build.mjs\`): ${String(error)}`,
      );
    }
  }
  if (!existsSync(CONSOLE_INDEX)) throw new Error(`No console build at ${CONSOLE_INDEX}: run npm run build`);
  mkdirSync(SCREENSHOTS, { recursive: true });
}

// The console keeps the refresh token here (apps/console/src/api/session.ts) and gets an access token
// from it on load, as after a reload.
const REFRESH_KEY = 'northstar.refreshToken';

/** Signs the page in with a refresh token of a login made over the API, then opens `path`. */
export async function signInWithToken(
  page: Page,
  baseUrl: string,
  refreshToken: string,
  path: string,
): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  // A string: the tests' compiler has no DOM library.
  await page.evaluate(
    `localStorage.setItem(${JSON.stringify(REFRESH_KEY)}, ${JSON.stringify(refreshToken)})`,
  );
  await page.goto(`${baseUrl}${path}`);
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

const axeSource = () => readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * The serious and critical axe violations of the page. axe is evaluated rather than added as a
 * script tag: the console's Content-Security-Policy (script-src 'self') stays on, so the suite also
 * shows the screens work under it.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  const loaded = await page.evaluate('typeof axe !== "undefined"');
  if (!loaded) await page.evaluate(axeSource());
  const violations = (await page.evaluate(
    'axe.run(document, { resultTypes: ["violations"] }).then((result) => result.violations)',
  )) as AxeViolation[];
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id} (${violation.impact}): ${violation.help} at ${JSON.stringify(violation.nodes.map((node) => node.target))}`,
    );
}

/** How far the page scrolls sideways (0 when it fits the viewport). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return (await page.evaluate(
    'document.documentElement.scrollWidth - document.documentElement.clientWidth',
  )) as number;
}

/**
 * The checks every screen passes, at desktop width and at 375 px: axe finds nothing serious, nothing
 * scrolls sideways on the phone, and a full-page screenshot of both is saved as `name`(-mobile).png.
 */
export async function checkScreen(page: Page, name: string): Promise<{ screen: string; problems: string[] }> {
  const problems: string[] = [];
  const desktop = page.viewportSize() ?? { width: 1280, height: 900 };
  await page.waitForLoadState('networkidle');
  problems.push(...(await axeViolations(page)).map((violation) => `desktop: ${violation}`));
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  await page.setViewportSize({ width: 375, height: 800 });
  // uPlot follows its container's width on the next frame.
  await page.waitForTimeout(300);
  problems.push(...(await axeViolations(page)).map((violation) => `375 px: ${violation}`));
  const overflow = await horizontalOverflow(page);
  if (overflow > 0) problems.push(`375 px: the page scrolls sideways by ${overflow} px`);
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-mobile.png`), fullPage: true });
  await page.setViewportSize(desktop);
  return { screen: name, problems };
}
