// make bench's layer-index rows (issue 20), in Debian's headless Chromium
// driven by playwright-core. Started by scripts/bench_layers.py with one
// JSON argument; prints one JSON object.
//
// Input:  { runs, url, ref, file, fileSize, layerSize }
// Output: { listing: {ms[]}, open: {ms[], fetched[]}, download: {ms[], fetched[]},
//           heapPeak[], wasmMemory[], listedFrom }
//
// Each run is a fresh browser context (no IndexedDB: the listing comes from
// the server's index). It opens the layer page and times navigation →
// first row; then, in the same page, follows a link to the 1 MiB file and
// times click → preview, and click on Download → the download; the bytes
// fetched are the blob requests' sizes from Resource Timing.
import { chromium } from 'playwright-core';

const input = JSON.parse(process.argv[2]);
const LONG = 10 * 60 * 1000;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});

async function heapWatcher(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { metrics } = await cdp.send('Performance.getMetrics');
      const used = metrics.find((m) => m.name === 'JSHeapUsedSize');
      if (used && used.value > peak) peak = used.value;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return async () => { running = false; await loop; return peak; };
}

// Blob bytes fetched since `since` (ms on the page's clock), by Range or not.
const blobBytes = (page, since) => page.evaluate((since) => performance.getEntriesByType('resource')
  .filter((e) => e.name.includes('/blobs/sha256:') && e.startTime >= since)
  .reduce((n, e) => n + e.encodedBodySize, 0), since);

const out = { listing: { ms: [] }, open: { ms: [], fetched: [] }, download: { ms: [], fetched: [] },
  heapPeak: [], wasmMemory: [], listedFrom: null };
try {
  for (let i = 0; i <= input.runs; i++) {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    const stop = await heapWatcher(page);
    await page.goto(`${input.url}/i/${input.ref}/layers/0`);
    await page.locator('[data-test=layer-row]').first().waitFor({ timeout: LONG });
    const listed = await page.evaluate(() => performance.now());
    const listedFrom = await page.evaluate(() => {
      const tab = document.querySelector('[data-test=layer-unverified]');
      return tab ? 'server-index (unverified)' : 'other';
    });

    // The 1 MiB file, by a client-side link (the loaded listing stays).
    const opened = await page.evaluate(async (path) => {
      const a = document.createElement('a');
      a.href = path;
      a.textContent = 'bench';
      document.body.appendChild(a);
      const start = performance.now();
      a.click();
      while (!document.querySelector('[data-test=preview-text]')) {
        await new Promise((r) => requestAnimationFrame(r));
      }
      return { start, end: performance.now() };
    }, `/i/${input.ref}/fs/${input.file}`);
    const openFetched = await blobBytes(page, opened.start);

    const downloadStart = await page.evaluate(() => performance.now());
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: LONG }),
      page.locator('[data-test=download]').click(),
    ]);
    const downloaded = await page.evaluate(() => performance.now());
    const path = await download.path();
    const { statSync } = await import('node:fs');
    if (statSync(path).size !== input.fileSize) throw new Error(`downloaded ${statSync(path).size} bytes, not ${input.fileSize}`);
    const downloadFetched = await blobBytes(page, downloadStart);
    const heap = await stop();
    const wasm = Number(await page.locator('[data-test=explorer-progress]').getAttribute('data-wasm-memory'));
    if (i > 0) { // the first run warms the server's store and index
      out.listing.ms.push(listed);
      out.open.ms.push(opened.end - opened.start);
      out.open.fetched.push(openFetched);
      out.download.ms.push(downloaded - downloadStart);
      out.download.fetched.push(downloadFetched);
      out.heapPeak.push(heap);
      out.wasmMemory.push(wasm);
      out.listedFrom = listedFrom;
    }
    await context.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
