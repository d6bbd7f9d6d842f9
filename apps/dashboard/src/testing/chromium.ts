/** Debian's headless Chromium for the browser tests, driven by playwright-core, with a throwaway profile. */
import { type BrowserContext, chromium } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
/** No sandbox (tests run as root), no GPU, and nothing that talks to the network on its own. */
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchChromium(profileDir: string, viewport?: { readonly width: number; readonly height: number }): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, headless: true, args: ARGS, ...(viewport ? { viewport } : {}) });
}
