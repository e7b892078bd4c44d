// make bench's signature rows (issue 18), in Debian's headless Chromium
// driven by playwright-core. Started by scripts/bench_signatures.py with one
// JSON argument; prints one JSON object.
//
// Input:  { runs, url, ref, keyQuery, identityQuery }
// Output: { keyed: {ms[], discovery[], findings[]}, keyless: {…},
//           sbomOpen: [], sbomFilter: [], rowsInDom: [] }
//
// Each run is a fresh browser context. "ms" is the page's clock from
// navigation start to the verdict "verified" (so it includes loading the
// app, reading the image, the probe, fetching the verification module,
// finding the referrers and checking them); "discovery" is the panel's own
// figure for finding and checking (data-elapsed-ms). Then, on the keyless
// page, the 10,000-package SBOM is opened (click → count and rows shown) and
// filtered (input → filtered count). Run 0 warms the server and is dropped.
import { chromium } from 'playwright-core';

const input = JSON.parse(process.argv[2]);
const LONG = 5 * 60 * 1000;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});

const VERIFIED = '[data-test=signature-verdict][data-state=verified]';
const TABLE = "[data-test=attestation-contents][data-packages='10000']";

async function verdict(page, query) {
  await page.goto(`${input.url}/i/${encodeURIComponent(input.ref)}${query}`);
  await page.locator(VERIFIED).waitFor({ timeout: LONG });
  const ms = await page.evaluate(() => performance.now());
  const discovery = Number(await page.locator(VERIFIED).getAttribute('data-elapsed-ms'));
  const findings = await page.locator('[data-test=referrer]').count();
  return { ms, discovery, findings };
}

const out = { keyed: { ms: [], discovery: [], findings: [] }, keyless: { ms: [], discovery: [], findings: [] },
  sbomOpen: [], sbomFilter: [], rowsInDom: [] };
try {
  for (let i = 0; i <= input.runs; i++) {
    const record = i > 0;
    for (const [name, query] of [['keyed', input.keyQuery], ['keyless', input.identityQuery]]) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const v = await verdict(page, query);
      if (record) { out[name].ms.push(v.ms); out[name].discovery.push(v.discovery); out[name].findings.push(v.findings); }
      if (name === 'keyless') {
        const opened = await page.evaluate(async (table) => {
          const start = performance.now();
          document.querySelector(`${table} [data-test=sbom-open]`).click();
          for (;;) {
            const count = document.querySelector(`${table} [data-test=sbom-count]`);
            const row = document.querySelector(`${table} [data-test=sbom-row]`);
            if (count && row && count.innerText.startsWith('10000 of')) break;
            await new Promise((r) => requestAnimationFrame(r));
          }
          const end = performance.now();
          const rows = document.querySelectorAll(`${table} [data-test=sbom-row]`).length;
          return { ms: end - start, rows };
        }, TABLE);
        const filtered = await page.evaluate(async (table) => {
          const box = document.querySelector(`${table} [data-test=sbom-filter]`);
          const start = performance.now();
          box.value = 'pkg-0999';
          box.dispatchEvent(new Event('input', { bubbles: true }));
          for (;;) {
            const count = document.querySelector(`${table} [data-test=sbom-count]`);
            if (count && count.innerText.startsWith('10 of')) break;
            await new Promise((r) => requestAnimationFrame(r));
          }
          return performance.now() - start;
        }, TABLE);
        if (record) { out.sbomOpen.push(opened.ms); out.sbomFilter.push(filtered); out.rowsInDom.push(opened.rows); }
      }
      await context.close();
    }
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
