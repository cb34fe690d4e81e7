// Real Chromium for browser tests: Debian's /usr/bin/chromium driven by playwright-core.
// Playwright's own browser download is never used (this project's machines cannot download it).
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { InfraError } from './errors.ts';

export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags that keep a headless Chromium quiet on a machine without outside network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Launches headless Chromium from CHROMIUM_PATH (default /usr/bin/chromium). */
export async function launchChromium(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<Browser> {
  const executablePath = env.CHROMIUM_PATH || DEFAULT_CHROMIUM_PATH;
  if (!existsSync(executablePath)) {
    throw new InfraError(
      `Chromium was not found at ${executablePath}; install it (Debian: apt-get install chromium) or set CHROMIUM_PATH`,
    );
  }
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}
