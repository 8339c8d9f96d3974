// A real browser login through authfront: headless Debian chromium driven by playwright-core.
//
//   node scripts/browser/login.mjs URL [--user alice] [--password alice-password]
//        [--expect '#protected'] [--screenshot FILE] [--timeout-ms 20000] [--eval JS]
//        [--op oidc-provider|glewlwyd] [--host-rules 'MAP *.example.test 127.0.0.1']
//        [--then URL [--then URL ...]]
//
// Opens URL (a page behind authfront), follows the redirects to the identity
// provider, fills its login form when one is shown (--op oidc-provider, the default:
// #login-form with #username, #password, #submit; --op glewlwyd: its login web app,
// #username, #password, #loginbut, then the grant's "Continue" button), waits for
// the EXPECT selector on the page it lands on,
// takes a screenshot, and with --eval evaluates JS in the page (its result goes in
// "eval", e.g. --eval document.cookie shows what the page's script can read).
// --host-rules is Chromium's --host-resolver-rules (names of several hosts on loopback).
// Each --then URL is opened afterwards in the same browser, in order; for each, "then" gets
// {url, finalUrl, status, visited, requests, eval} (--eval evaluated there too): what a
// signed-in browser sees elsewhere (another host under the same parent domain, say).
// "requests" lists every main-frame navigation request, redirects included ("visited" has
// only the pages that were shown).
// Prints ONE JSON line on stdout:
//   {"ok":true,"formShown":true,"finalUrl":...,"status":200,"title":...,"visited":[...],"cookies":[...],...}
//   {"ok":false,"error":"...","visited":[...],...}
// Exit 0 on success, 1 on failure, 2 on bad usage. Chromium: /usr/bin/chromium
// (override CHROMIUM_PATH), fresh temporary profile, removed afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const USAGE = 'usage: node login.mjs URL [--user U] [--password P] [--expect SELECTOR] [--screenshot FILE] [--timeout-ms N] [--eval JS] [--op oidc-provider|glewlwyd]';
const argv = process.argv.slice(2);
const opts = {};
const then = [];
let url;
for (let i = 0; i < argv.length; i += 1) {
  const a = argv[i];
  if (a === '--help' || a === '-h') { console.error(USAGE); process.exit(0); }
  if (a.startsWith('--')) {
    if (i + 1 >= argv.length) { console.error(`${a} needs a value\n${USAGE}`); process.exit(2); }
    if (a === '--then') then.push(argv[i + 1]);
    else opts[a.slice(2)] = argv[i + 1];
    i += 1;
  } else if (!url) {
    url = a;
  } else {
    console.error(`unexpected argument ${a}\n${USAGE}`); process.exit(2);
  }
}
const known = ['user', 'password', 'expect', 'screenshot', 'timeout-ms', 'eval', 'op', 'host-rules'];
// Where each provider's login page has its fields; `cont`: a button to press after signing in
// (glewlwyd asks to grant the client its scopes once per user).
const PRESETS = {
  'oidc-provider': { form: '#login-form', user: '#username', pass: '#password', submit: '#submit', cont: null },
  glewlwyd: { form: '#passwordForm', user: '#username', pass: '#password', submit: '#loginbut', cont: 'button:has-text("Continue")' },
};
const ui = PRESETS[opts.op || 'oidc-provider'];
const unknown = Object.keys(opts).filter((k) => !known.includes(k));
if (!url || unknown.length || !ui) {
  console.error(`${unknown.length ? `unknown option --${unknown[0]}\n` : ''}${USAGE}`);
  process.exit(2);
}
const user = opts.user || 'alice';
const password = opts.password || `${user}-password`;
const expect = opts.expect || '#protected';
const shot = opts.screenshot || 'login.png';
const timeout = Number(opts['timeout-ms'] || 20000);

const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage'];
if (opts['host-rules']) ARGS.push(`--host-resolver-rules=${opts['host-rules']}`);

const userDataDir = mkdtempSync(join(tmpdir(), 'authfront-chromium-'));
const t0 = Date.now();
const visited = [];
const requests = [];
let context;
let ok = false;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath, headless: true, args: ARGS, ignoreDefaultArgs: ['--enable-automation'], timeout: 60000,
  });
  const page = context.pages()[0] || await context.newPage();
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) visited.push(f.url()); });
  page.on('request', (q) => { if (q.isNavigationRequest() && q.frame() === page.mainFrame()) requests.push(q.url()); });
  page.setDefaultTimeout(timeout);
  let last = await page.goto(url, { waitUntil: 'load' });
  // Either we are already on the expected page (provider auto-login, or a
  // session) or the provider shows its form.
  const form = page.locator(ui.form);
  const target = page.locator(expect);
  await Promise.race([form.waitFor(), target.waitFor()]);
  let formShown = false;
  if (await form.isVisible().catch(() => false)) {
    formShown = true;
    await page.fill(ui.user, user);
    await page.fill(ui.pass, password);
    if (ui.cont) {
      await page.click(ui.submit);
      // the grant screen, unless the scopes were granted before: then straight back
      const cont = page.locator(ui.cont);
      await Promise.race([cont.waitFor(), target.waitFor()]);
      if (await cont.isVisible().catch(() => false)) await cont.click();
    } else {
      await Promise.all([
        page.waitForURL((u) => !u.pathname.startsWith('/interaction/'), { waitUntil: 'load' }),
        page.click(ui.submit),
      ]);
    }
    await target.waitFor();
    last = null;
  }
  const status = last ? last.status() : await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    return nav && 'responseStatus' in nav ? nav.responseStatus : null;
  }).catch(() => null);
  await page.screenshot({ path: shot, fullPage: true });
  const cookies = (await context.cookies()).map((c) => `${c.domain}${c.path}:${c.name}`);
  const evaluated = opts.eval ? await page.evaluate(opts.eval) : undefined;
  const finalUrl = page.url();
  const title = await page.title();
  const after = [];
  const signInRequests = requests.slice();
  for (const next of then) {
    const from = visited.length;
    const fromRequests = requests.length;
    const resp = await page.goto(next, { waitUntil: 'load' });
    after.push({
      url: next, finalUrl: page.url(), status: resp ? resp.status() : null, visited: visited.slice(from),
      requests: requests.slice(fromRequests),
      eval: opts.eval ? await page.evaluate(opts.eval).catch((e) => `error: ${e}`) : undefined,
    });
  }
  console.log(JSON.stringify({
    ok: true, formShown, finalUrl, status, title, screenshot: shot,
    ms: Date.now() - t0, visited, requests: signInRequests, cookies, eval: evaluated, then: after,
  }));
  ok = true;
} catch (err) {
  console.log(JSON.stringify({ ok: false, error: String(err).split('\n')[0], visited, ms: Date.now() - t0 }));
} finally {
  await context?.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
