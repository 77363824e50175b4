/**
 * Browser harness for the e2e tests: the system Chromium driven by playwright-core (never a downloaded
 * browser), with a fresh profile per launch, against the `vite preview` server that e2e/global-setup.ts
 * starts on a free port (with the app's COOP/COEP headers).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { inject } from 'vitest';
import { CHROMIUM_INSTALL_HINT, findChromium } from './chromium.js';

/** Flags that work headless as root on these machines (DESIGN.md, "Browser facts"). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
] as const;

declare module 'vitest' {
  export interface ProvidedContext {
    /** Origin of the preview server, e.g. http://127.0.0.1:41234 (no trailing slash). */
    baseURL: string;
  }
}

/** Everything a page reported that a healthy page does not: console errors, uncaught exceptions, failed requests. */
export interface PageProblems {
  readonly consoleErrors: string[];
  readonly pageErrors: string[];
  readonly failedRequests: string[];
}

export interface BrowserSession {
  readonly context: BrowserContext;
  readonly baseURL: string;
  /** A new page that records its problems; navigate with `page.goto(session.url('/'))`. */
  newPage(): Promise<{ page: Page; problems: PageProblems }>;
  /** Absolute URL on the preview server. */
  url(path?: string): string;
  close(): Promise<void>;
}

function describeConsole(msg: ConsoleMessage): string {
  const { url, lineNumber } = msg.location();
  return `${msg.text()}${url ? ` (${url}:${lineNumber})` : ''}`;
}

export interface LaunchOptions {
  /**
   * 'block' keeps the app's service worker from registering: the fault tests intercept requests with
   * page.route, which a service worker's cache would bypass. Default 'allow'.
   */
  readonly serviceWorkers?: 'allow' | 'block';
  /** Page size (default 1280x800). */
  readonly viewport?: { readonly width: number; readonly height: number };
  /** A touch screen: (pointer: coarse) and (hover: none) match, taps instead of clicks. */
  readonly hasTouch?: boolean;
}

/** Launches Chromium with a fresh --user-data-dir. Close it with `session.close()`. */
export async function launchBrowser(options: LaunchOptions = {}): Promise<BrowserSession> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error(CHROMIUM_INSTALL_HINT);
  const baseURL = inject('baseURL');
  const userDataDir = mkdtempSync(join(tmpdir(), 'mt-diffusion-e2e-'));
  // launchPersistentContext is how playwright takes a --user-data-dir of our own.
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: [...CHROMIUM_ARGS],
    viewport: options.viewport ?? { width: 1280, height: 800 },
    hasTouch: options.hasTouch ?? false,
    serviceWorkers: options.serviceWorkers ?? 'allow',
  });
  return {
    context,
    baseURL,
    url: (path = '/') => new URL(path, `${baseURL}/`).toString(),
    async newPage() {
      const page = await context.newPage();
      const problems: PageProblems = { consoleErrors: [], pageErrors: [], failedRequests: [] };
      page.on('console', (msg) => {
        if (msg.type() === 'error') problems.consoleErrors.push(describeConsole(msg));
      });
      page.on('pageerror', (err) => problems.pageErrors.push(err.stack ?? err.message));
      page.on('requestfailed', (req) => problems.failedRequests.push(`${req.method()} ${req.url()}: ${req.failure()?.errorText ?? 'failed'}`));
      page.on('response', (res) => {
        if (res.status() >= 400) problems.failedRequests.push(`${res.request().method()} ${res.url()}: HTTP ${res.status()}`);
      });
      return { page, problems };
    },
    async close() {
      try {
        await context.close();
      } finally {
        rmSync(userDataDir, { recursive: true, force: true });
      }
    },
  };
}
