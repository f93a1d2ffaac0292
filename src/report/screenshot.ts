// a PNG of a study page rendered by headless Chromium (playwright-core drives the system's chromium; nothing is downloaded)
import { existsSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PairbenchError } from '../errors.js';

export interface ScreenshotOptions {
  width?: number; // viewport width, css px
  height?: number; // clip to the top `height` px; omitted = the full page
  chromium?: string; // executable; default PAIRBENCH_CHROMIUM or /usr/bin/chromium
}

// the file a screenshot goes to: a name without extension gets .png; a directory or another
// extension is refused with a one-line error
export function screenshotPath(path: string): string {
  if (path.endsWith('/') || (existsSync(path) && statSync(path).isDirectory())) {
    throw new PairbenchError('bad_argument', `--screenshot ${path} is a directory: give a file name, e.g. ${path.replace(/\/+$/, '')}/study.png`, { field: 'screenshot', value: path });
  }
  const ext = extname(path).toLowerCase();
  if (ext === '') return `${path}.png`;
  if (ext === '.png' || ext === '.jpg' || ext === '.jpeg') return path;
  throw new PairbenchError('bad_argument', `--screenshot ${path}: the file name must end in .png, .jpg or .jpeg (or have no extension: .png is added)`, { field: 'screenshot', value: path });
}

export async function screenshotPage(html: string, png: string, opts: ScreenshotOptions = {}): Promise<void> {
  const exe = opts.chromium ?? process.env['PAIRBENCH_CHROMIUM'] ?? '/usr/bin/chromium';
  if (!existsSync(exe)) {
    throw new PairbenchError('io_error', `screenshot: no chromium at ${exe} (apt-get install chromium, or set PAIRBENCH_CHROMIUM)`, { file: exe });
  }
  if (!existsSync(html)) throw new PairbenchError('io_error', `screenshot: ${html} does not exist (run pairbench report first)`, { file: html });
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    throw new PairbenchError('io_error', 'screenshot: the package playwright-core is not installed (npm install playwright-core)', {});
  }
  const browser = await chromium.launch({
    executablePath: exe,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const width = opts.width ?? 1200;
    const page = await browser.newPage({ viewport: { width, height: 900 }, deviceScaleFactor: 1 });
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
    if (opts.height === undefined) await page.screenshot({ path: png, fullPage: true });
    else await page.screenshot({ path: png, fullPage: true, clip: { x: 0, y: 0, width, height: opts.height } });
  } finally {
    await browser.close();
  }
}
