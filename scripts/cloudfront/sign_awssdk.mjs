// Sign every case of cases.json with @aws-sdk/cloudfront-signer (getSignedUrl,
// getSignedCookies).
//   node sign_awssdk.mjs KEY.pem cases.json botocore.json  -> JSON on stdout
// The SDK builds canned and custom policies from dates and an IP, but has no wildcard
// resource: for cases with a `resource` it signs the policy botocore built (botocore.json).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { getSignedUrl, getSignedCookies } from '@aws-sdk/cloudfront-signer';

const [keyFile, casesFile, botocoreFile] = process.argv.slice(2);
const privateKey = readFileSync(keyFile, 'utf8');
const table = JSON.parse(readFileSync(casesFile, 'utf8'));
const boto = JSON.parse(readFileSync(botocoreFile, 'utf8')).cases;
const keyPairId = table.key_pair_id;
const version = createRequire(import.meta.url)('@aws-sdk/cloudfront-signer/package.json').version;
const iso = (t) => (t ? new Date(t * 1000).toISOString() : undefined);
const attempt = (f) => {
  try {
    return f();
  } catch (e) {
    return { error: String(e.message || e) };
  }
};
const out = { library: `@aws-sdk/cloudfront-signer ${version}`, cases: {} };
for (const c of table.cases) {
  const algorithm = c.hash === 'SHA256' ? 'SHA256' : undefined;
  const base = c.resource
    ? { keyPairId, privateKey, policy: boto[c.name].policy, algorithm }
    : { keyPairId, privateKey, dateLessThan: iso(c.expires), dateGreaterThan: iso(c.start), ipAddress: c.ip, algorithm };
  const r = {};
  if (c.url) r.url = attempt(() => getSignedUrl({ ...base, url: c.url }));
  r.cookies = attempt(() => {
    const cookies = getSignedCookies({ ...base, url: c.resource || c.url });
    return Object.fromEntries(Object.entries(cookies).map(([k, v]) => [k, String(v)]));
  });
  out.cases[c.name] = r;
}
console.log(JSON.stringify(out, null, 1));
