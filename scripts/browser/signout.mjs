// Sign in, sign out, come back: does the provider ask for the password again? Headless Debian
// chromium driven by playwright-core, through the demo site (examples/site) behind authfront
// and the test provider (npm oidc-provider) with its login form.
//
//   node scripts/browser/signout.mjs URL [--user alice] [--password alice-password]
//        [--screenshots DIR] [--timeout-ms 20000]
//
// 1. opens URL, fills the provider's form (#login-form), waits for the site's page (#protected)
//    and for the page's script to show who is signed in (#user-name, with the #sign-out button);
// 2. clicks #sign-out: authfront clears its cookies and sends the browser to the provider's
//    end_session_endpoint, whose confirmation (#logout-yes) is clicked; the provider sends the
//    browser back to authfront's signed-out page (#signed-out, with its #sign-in link);
// 3. opens URL again: the provider's session is gone, so its form must be shown again.
// Prints ONE JSON line on stdout:
//   {"ok":true,"userText":"Signed in as …","signedOutUrl":…,"signInHref":…,
//    "formShownAgain":true,"visited":[…],…}
//   {"ok":false,"error":"…","visited":[…]}
// Exit 0 on success (the steps ran; the caller judges the values), 1 on failure, 2 on bad usage.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const USAGE = 'usage: node signout.mjs URL [--user U] [--password P] [--screenshots DIR] [--timeout-ms N]';
const argv = process.argv.slice(2);
const opts = {};
let url;
for (let i = 0; i < argv.length; i += 1) {
  const a = argv[i];
  if (a === '--help' || a === '-h') { console.error(USAGE); process.exit(0); }
  if (a.startsWith('--')) {
    if (i + 1 >= argv.length) { console.error(`${a} needs a value\n${USAGE}`); process.exit(2); }
    opts[a.slice(2)] = argv[i + 1];
    i += 1;
  } else if (!url) url = a;
  else { console.error(`unexpected argument ${a}\n${USAGE}`); process.exit(2); }
}
const unknown = Object.keys(opts).filter((k) => !['user', 'password', 'screenshots', 'timeout-ms'].includes(k));
if (!url || unknown.length) { console.error(USAGE); process.exit(2); }
const user = opts.user || 'alice';
const password = opts.password || `${user}-password`;
const timeout = Number(opts['timeout-ms'] || 20000);
const shot = (name) => (opts.screenshots ? { path: join(opts.screenshots, `${name}.png`), fullPage: true } : null);

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage'];
const userDataDir = mkdtempSync(join(tmpdir(), 'authfront-chromium-'));
const visited = [];
let context;
let ok = false;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true, args: ARGS, ignoreDefaultArgs: ['--enable-automation'], timeout: 60000,
  });
  const page = context.pages()[0] || await context.newPage();
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) visited.push(f.url()); });
  page.setDefaultTimeout(timeout);
  const signIn = async () => {
    await page.goto(url, { waitUntil: 'load' });
    const form = page.locator('#login-form');
    await Promise.race([form.waitFor(), page.locator('#protected').waitFor()]);
    const shown = await form.isVisible().catch(() => false);
    if (shown) {
      await page.fill('#username', user);
      await page.fill('#password', password);
      await Promise.all([
        page.waitForURL((u) => !u.pathname.startsWith('/interaction/'), { waitUntil: 'load' }),
        page.click('#submit'),
      ]);
    }
    return shown;
  };
  // 1. sign in
  const formShown = await signIn();
  await page.locator('#protected').waitFor();
  await page.locator('#sign-out').waitFor();
  const userText = (await page.locator('#user-name').textContent()).trim();
  if (shot('site-signed-in')) await page.screenshot(shot('site-signed-in'));
  // 2. sign out, confirming at the provider
  await page.click('#sign-out');
  const confirm = page.locator('#logout-yes');
  const signedOut = page.locator('#signed-out');
  await Promise.race([confirm.waitFor(), signedOut.waitFor()]);
  const confirmed = await confirm.isVisible().catch(() => false);
  if (confirmed) await confirm.click();
  await signedOut.waitFor();
  const signedOutUrl = page.url();
  const signInHref = await page.locator('#sign-in').getAttribute('href');
  const cookiesAfter = (await context.cookies()).filter((c) => c.name.startsWith('authfront')).map((c) => c.name);
  // 3. the next visit: the provider must ask for the password again
  await page.goto(url, { waitUntil: 'load' });
  await Promise.race([page.locator('#login-form').waitFor(), page.locator('#protected').waitFor()]);
  const formShownAgain = await page.locator('#login-form').isVisible().catch(() => false);
  console.log(JSON.stringify({
    ok: true, formShown, userText, confirmed, signedOutUrl, signInHref, cookiesAfter, formShownAgain,
    finalUrl: page.url(), visited,
  }));
  ok = true;
} catch (err) {
  console.log(JSON.stringify({ ok: false, error: String(err).split('\n')[0], visited }));
} finally {
  await context?.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
