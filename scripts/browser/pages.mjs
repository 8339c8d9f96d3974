// authfront's own pages in a real browser: visits a list of steps in ONE headless Debian chromium
// (playwright-core), screenshots what each lands on and runs a small accessibility check on it.
//
//   node scripts/browser/pages.mjs STEPS.json OUT_DIR [--timeout-ms 20000]
//
// STEPS.json: [{"name": "signed-out", "url": "http://…"}, …]; a step may instead have
// "click": "#selector" (on the page the previous step left), and "user": "carol" to fill the
// provider's login form (#login-form) if it is shown on the way (password "<user>-password").
// Screenshots: OUT_DIR/<name>.png (1024 x 640 viewport, whole page).
// The check, per page, from the DOM and computed styles in the page:
//   lang (the <html> attribute), mains (<main> elements), h1 (its text), footer (a <footer>);
//   contrast: the lowest text contrast ratio (WCAG 2 relative luminance; text colour against
//   the backgrounds behind it, composited up to the canvas) and every text below its threshold
//   (4.5, or 3 for large text: >= 24px, or >= 18.66px bold);
//   links: the links of the page's nav (id, text, href); external: requests to other origins.
// Prints ONE JSON line: {"ok":true,"pages":[{name,status,url,csp,lang,mains,h1,footer,
// contrast:{min,failures},links,external}, …]} or {"ok":false,"error":…,"pages":[…]}.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const USAGE = 'usage: node pages.mjs STEPS.json OUT_DIR [--timeout-ms N]';
const [stepsFile, outDir, ...rest] = process.argv.slice(2);
if (!stepsFile || !outDir || (rest.length && rest[0] !== '--timeout-ms')) { console.error(USAGE); process.exit(2); }
const timeout = Number(rest[1] || 20000);
const steps = JSON.parse(readFileSync(stepsFile, 'utf8'));

// Runs in the page: the accessibility facts of the document.
function audit() {
  const parse = (c) => {
    const m = /rgba?\(([^)]+)\)/.exec(c);
    if (!m) return null;
    const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const over = (top, base) => ({
    r: top.r * top.a + base.r * (1 - top.a),
    g: top.g * top.a + base.g * (1 - top.a),
    b: top.b * top.a + base.b * (1 - top.a),
    a: 1,
  });
  const lum = (c) => {
    const f = (v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let base = { r: 255, g: 255, b: 255, a: 1 }; // the canvas
    for (const l of layers.reverse()) base = over(l, base);
    return base;
  };
  let min = Infinity;
  const failures = [];
  for (const el of document.body.querySelectorAll('*')) {
    const text = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').trim();
    if (!text || !el.getClientRects().length) continue;
    const st = getComputedStyle(el);
    if (st.visibility === 'hidden' || Number(st.opacity) === 0) continue;
    const bg = background(el);
    const fg = over(parse(st.color) || { r: 0, g: 0, b: 0, a: 1 }, bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(st.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(st.fontWeight) >= 700);
    min = Math.min(min, ratio);
    if (ratio < (large ? 3 : 4.5)) failures.push({ text: text.slice(0, 60), ratio: Number(ratio.toFixed(2)), color: st.color, size });
  }
  return {
    lang: document.documentElement.getAttribute('lang'),
    title: document.title,
    mains: document.querySelectorAll('main').length,
    h1: (document.querySelector('h1')?.textContent || '').trim(),
    footer: document.querySelectorAll('footer').length,
    contrast: { min: Number(min.toFixed(2)), failures },
    links: [...document.querySelectorAll('nav a')].map((a) => ({ id: a.id, text: a.textContent.trim(), href: a.getAttribute('href') })),
  };
}

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage'];
const userDataDir = mkdtempSync(join(tmpdir(), 'authfront-chromium-'));
const pages = [];
let context;
let ok = false;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true, args: ARGS, ignoreDefaultArgs: ['--enable-automation'], timeout: 60000,
    viewport: { width: 1024, height: 640 },
  });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(timeout);
  let main = null; // the last main-document response
  page.on('response', (r) => { if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) main = r; });
  for (const step of steps) {
    const external = [];
    const here = () => new URL(page.url()).origin;
    const onRequest = (req) => {
      const u = new URL(req.url());
      // the provider's pages are on another origin by design; only authfront's pages are judged
      if (u.origin !== here() && !req.isNavigationRequest()) external.push(req.url());
    };
    page.on('request', onRequest);
    main = null;
    if (step.click) {
      await Promise.all([page.waitForEvent('load'), page.click(step.click)]);
    } else {
      await page.goto(step.url, { waitUntil: 'load' });
    }
    if (step.user) {
      const form = page.locator('#login-form');
      if (await form.isVisible().catch(() => false)) {
        await page.fill('#username', step.user);
        await page.fill('#password', `${step.user}-password`);
        await Promise.all([
          page.waitForURL((u) => !u.pathname.startsWith('/interaction/'), { waitUntil: 'load' }),
          page.click('#submit'),
        ]);
        step.formShown = true;
      }
    }
    if (step.expect) await page.locator(step.expect).waitFor();
    await page.screenshot({ path: join(outDir, `${step.name}.png`), fullPage: true });
    const facts = await page.evaluate(audit);
    page.off('request', onRequest);
    pages.push({
      name: step.name, status: main ? main.status() : null, url: page.url(),
      csp: main ? (await main.allHeaders())['content-security-policy'] || null : null,
      formShown: Boolean(step.formShown), external, ...facts,
    });
  }
  ok = true;
} catch (err) {
  console.log(JSON.stringify({ ok: false, error: String(err).split('\n')[0], pages }));
} finally {
  await context?.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
}
if (ok) console.log(JSON.stringify({ ok: true, pages }));
process.exit(ok ? 0 : 1);
