import { existsSync } from 'node:fs';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';

// Browser tests drive Debian's Chromium through playwright-core: playwright's own browser download
// needs general internet access, which test machines do not have. `npm test` installs the package
// (deploy/local/infra.sh browser); CHROMIUM_PATH points at another build.

/**
 * Flags for a headless run on a machine without general network access: without the
 * background-networking ones Chromium keeps dialling Google's hosts, and those refused connections
 * show up as noise (and sometimes as page errors). `--no-sandbox` because CI runs as root.
 */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export function chromiumPath(): string {
  return process.env['CHROMIUM_PATH'] || '/usr/bin/chromium';
}

/** Headless Chromium; fails with the way to install it rather than playwright's download advice. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}: run \`bash deploy/local/infra.sh browser\` (npm test does), ` +
        'or set CHROMIUM_PATH to a Chromium or Chrome binary',
    );
  }
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}

/**
 * Collects what a page reports as broken: console errors and uncaught exceptions. Tests assert the
 * list is empty at the end, so a screen that logs an error fails even when it looks right.
 * `ignore` filters messages a test provokes on purpose (a blocked request while "offline").
 */
export function collectPageErrors(page: Page, ignore: (text: string) => boolean = () => false): string[] {
  const errors: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() !== 'error' || ignore(message.text())) return;
    // Chromium's "Failed to load resource" says neither which one nor where: the location does.
    const where = message.location().url;
    errors.push(`console: ${message.text()}${where ? ` (${where})` : ''}`);
  });
  page.on('pageerror', (error) => {
    if (!ignore(error.message)) errors.push(`page error: ${error.message}`);
  });
  return errors;
}
