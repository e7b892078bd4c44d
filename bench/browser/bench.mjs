// make bench's browser rows, in Debian's headless Chromium driven by
// playwright-core (which never downloads a browser). Started by
// scripts/bench.py with one JSON argument; prints one JSON object.
//
// Input:  { runs, verifyUrl, verifyRef, blobUrl, imagesUrl, pullUrl, pullRef,
//           explorerUrl, explorerRef, explorerPath }
// Output: { verify: {ms[], wasmMemory[], heapPeak[], state}, webcrypto: {ms[], bytes},
//           firstRender: {ms[]}, progress: {latencies[], events},
//           explorer: {ms[], longestTask[], longTasks[], rows, entries} }
// Without verifyRef only the explorer is measured, and the other way round.
import { chromium } from 'playwright-core';

const input = JSON.parse(process.argv[2]);
const LONG = 10 * 60 * 1000;

// playwright launches Chromium with a fresh temporary profile of its own
// (the same as a fresh --user-data-dir) and removes it on close.
async function withBrowser(fn) {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  try {
    return await fn(browser);
  } finally {
    await browser.close();
  }
}

// Polls the page's JS heap through the DevTools protocol until stopped;
// returns the peak JSHeapUsedSize seen.
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
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return async () => {
    running = false;
    await loop;
    return peak;
  };
}

// Full verification of one image by the image page's Verify panel: the
// panel records how long the chain took and wasm memory after it.
async function verify(browser) {
  const out = { ms: [], wasmMemory: [], heapPeak: [], state: null };
  for (let i = 0; i <= input.runs; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const stop = await heapWatcher(page);
    await page.goto(`${input.verifyUrl}/i/${input.verifyRef}`);
    const verdict = page.locator('[data-test=verify-verdict][data-elapsed-ms]');
    await verdict.waitFor({ timeout: LONG });
    const heap = await stop();
    const state = await verdict.getAttribute('data-state');
    if (state !== 'verified') throw new Error(`verification ended ${state}`);
    out.state = state;
    if (i > 0) { // the first run warms the proxy's store; it is not counted
      out.ms.push(Number(await verdict.getAttribute('data-elapsed-ms')));
      out.wasmMemory.push(Number(await verdict.getAttribute('data-wasm-memory')));
      out.heapPeak.push(heap);
    }
    await context.close();
  }
  return out;
}

// WebCrypto's one-shot SHA-256 of the largest layer, already in memory.
async function webcrypto(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${input.verifyUrl}/`);
  const result = await page.evaluate(async ({ url, runs }) => {
    const buffer = await (await fetch(url)).arrayBuffer();
    const ms = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      await crypto.subtle.digest('SHA-256', buffer);
      ms.push(performance.now() - start);
    }
    return { ms, bytes: buffer.byteLength };
  }, { url: input.blobUrl, runs: input.runs });
  await context.close();
  return result;
}

// Time from navigation start until the first image row is in the DOM.
async function firstRender(browser) {
  const ms = [];
  for (let i = 0; i <= input.runs; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.addInitScript(() => {
      const seen = () => {
        if (window.__firstRow === undefined && document.querySelector('[data-test=image-row]')) {
          window.__firstRow = performance.now();
        }
      };
      new MutationObserver(seen).observe(document, { childList: true, subtree: true });
    });
    await page.goto(`${input.imagesUrl}/`);
    await page.waitForFunction(() => window.__firstRow !== undefined, null, { timeout: LONG });
    if (i > 0) ms.push(await page.evaluate(() => window.__firstRow));
    await context.close();
  }
  return { ms };
}

// Pulls an image on the pull page; for every progress event the
// EventSource delivers, the time until the page's DOM next changed.
async function progress(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.__events = [];
    window.__mutations = [];
    const Original = window.EventSource;
    window.EventSource = function (url, options) {
      const source = new Original(url, options);
      source.addEventListener('message', () => window.__events.push(performance.now()));
      return source;
    };
    window.EventSource.prototype = Original.prototype;
    Object.assign(window.EventSource, { CONNECTING: 0, OPEN: 1, CLOSED: 2 });
    new MutationObserver(() => window.__mutations.push(performance.now()))
      .observe(document, { childList: true, subtree: true, characterData: true, attributes: true });
  });
  await page.goto(`${input.pullUrl}/pull`);
  await page.fill('[data-test=pull-ref]', input.pullRef);
  await page.click('[data-test=pull-submit]');
  await page.locator('[data-test=pull-card][data-state=done]').waitFor({ timeout: LONG });
  const { events, mutations } = await page.evaluate(() => ({ events: window.__events, mutations: window.__mutations }));
  await context.close();
  const latencies = [];
  for (const t of events) {
    const m = mutations.find((x) => x >= t);
    if (m !== undefined) latencies.push(m - t);
  }
  return { latencies, events: events.length };
}

// The layer explorer on a directory of a many-file image: time from
// navigation start until every layer is read and the listing shows rows,
// and the longest main-thread task meanwhile (Long Tasks API, observed from
// before the page's own scripts run, buffered).
async function explorer(browser) {
  const out = { ms: [], longestTask: [], longTasks: [], rows: null, entries: null };
  for (let i = 0; i <= input.runs; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.addInitScript(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longTasks.push(e.duration);
      }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(`${input.explorerUrl}/i/${input.explorerRef}/fs/${input.explorerPath}`);
    await page.waitForFunction(() => {
      const done = document.querySelector('[data-test=explorer-progress][data-phase=done]');
      if (done && document.querySelector('[data-test=fs-row]')) {
        window.__listed ??= performance.now();
        return true;
      }
      if (document.querySelector('[data-test=explorer-progress][data-phase=failed]')) {
        throw new Error('the explorer failed to load');
      }
      return false;
    }, null, { timeout: LONG, polling: 'raf' });
    const r = await page.evaluate(() => ({
      listed: window.__listed,
      tasks: window.__longTasks,
      rows: document.querySelectorAll('[data-test=fs-row]').length,
      entries: Number(document.querySelector('[data-test=fs-list]').dataset.count),
    }));
    if (i > 0) { // the first run warms the proxy's store; it is not counted
      out.ms.push(r.listed);
      out.longestTask.push(Math.max(0, ...r.tasks));
      out.longTasks.push(r.tasks.length);
    }
    out.rows = r.rows;
    out.entries = r.entries;
    await context.close();
  }
  return out;
}

const result = await withBrowser(async (browser) => {
  const out = {};
  if (input.verifyRef) {
    out.verify = await verify(browser);
    out.webcrypto = await webcrypto(browser);
    out.firstRender = await firstRender(browser);
    out.progress = await progress(browser);
  }
  if (input.explorerRef) out.explorer = await explorer(browser);
  return out;
});
console.log(JSON.stringify(result));
