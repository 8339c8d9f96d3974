// authfront's test identity provider: the real, OpenID Certified `oidc-provider`
// (panva) on loopback. Only configuration and the interaction pages the library
// requires its host to supply live here; all protocol handling is the library's.
// Used by scripts/demo.sh and scripts/test.sh (through start-oidc-provider.sh)
// and by the end-to-end tests (key rotation starts its own instance).
//
// Environment (all optional):
//   OP_PORT                 listen port on 127.0.0.1 (default 9400)
//   OP_ISSUER               issuer URL (default http://127.0.0.1:$OP_PORT)
//   OP_REDIRECT_URIS        comma-separated redirect_uris of every static client
//                           (default http://127.0.0.1:8080/_authfront/callback)
//   OP_POST_LOGOUT_REDIRECT_URIS  comma-separated post_logout_redirect_uris
//                           (default http://127.0.0.1:8080/)
//   OP_APACHE_REDIRECT_URIS comma-separated redirect_uris of an extra static client
//                           "mod-auth-openidc" (secret "mod-auth-openidc-secret"), Apache's
//                           mod_auth_openidc as a peer in bench/run.sh; no such client when unset
//   OP_BACKCHANNEL_LOGOUT_URI  backchannel_logout_uri of every static client (default none;
//                           e.g. http://127.0.0.1:8080/_authfront/backchannel-logout); clients
//                           registered at /reg may give their own
//   OP_AUTO_LOGIN           account logged in without a form (default "alice"; a
//                           known `login_hint` wins); "off" shows the login form
//   OP_PKCE_REQUIRED        "all" (default) or "public"
//   OP_ALWAYS_ISSUE_REFRESH "1": refresh tokens without offline_access (default: only with it)
//   OP_ROTATE_REFRESH       "0": keep refresh tokens on refresh (default: rotate on every use)
//   OP_TTL_ACCESS / OP_TTL_ID / OP_TTL_REFRESH / OP_TTL_SESSION / OP_TTL_CODE  seconds
//   OP_KEYS_FILE            private JWKS (RS256 + ES256), created on first start and
//                           kept across restarts; delete it and restart = key rotation
//   OP_PUBLIC_JWKS_FILE     where to also write the public JWKS
//   OP_COOKIE_KEY           key of the OP's own cookies
//   DEBUG=oidc-provider:*   library debug log
// Every token-endpoint request is logged as one `token endpoint: STATUS grant_type=… client=…`
// line (the end-to-end tests count code redemptions with it).
//
// Users (password "<name>-password"): alice (groups admins, staff), bob (staff),
// carol (no groups). Static clients: authfront-confidential (client_secret_basic,
// RS256), authfront-public (none, PKCE), authfront-es256 (basic, ES256 ID tokens),
// authfront-post (client_secret_post). Open dynamic registration at /reg.
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateKeyPairSync, createHash } from 'node:crypto';
import Provider, { errors } from 'oidc-provider';

const env = process.env;
const PORT = Number(env.OP_PORT || 9400);
const HOST = '127.0.0.1';
const ISSUER = env.OP_ISSUER || `http://${HOST}:${PORT}`;
const list = (v) => (v || '').split(',').map((s) => s.trim()).filter(Boolean);
const num = (v, d) => (v ? Number(v) : d);

const REDIRECT_URIS = list(env.OP_REDIRECT_URIS);
if (!REDIRECT_URIS.length) REDIRECT_URIS.push('http://127.0.0.1:8080/_authfront/callback');
const POST_LOGOUT = list(env.OP_POST_LOGOUT_REDIRECT_URIS);
if (!POST_LOGOUT.length) POST_LOGOUT.push('http://127.0.0.1:8080/');
const AUTO_LOGIN = env.OP_AUTO_LOGIN === undefined ? 'alice' : env.OP_AUTO_LOGIN;
const autoLoginOn = Boolean(AUTO_LOGIN) && !['off', '0', 'no', 'false'].includes(AUTO_LOGIN);

// ---------------------------------------------------------------- signing keys
function loadOrCreateKeys(file) {
  if (file && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const jwk = (kp, alg) => {
    const k = kp.privateKey.export({ format: 'jwk' });
    const pub = kp.publicKey.export({ format: 'jwk' });
    const members = alg === 'RS256' ? { e: pub.e, kty: 'RSA', n: pub.n } : { crv: pub.crv, kty: 'EC', x: pub.x, y: pub.y };
    const kid = createHash('sha256').update(JSON.stringify(members)).digest('base64url'); // RFC 7638
    return { ...k, kid, alg, use: 'sig' };
  };
  const keys = {
    keys: [
      jwk(generateKeyPairSync('rsa', { modulusLength: 2048 }), 'RS256'),
      jwk(generateKeyPairSync('ec', { namedCurve: 'P-256' }), 'ES256'),
    ],
  };
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  }
  return keys;
}
const jwks = loadOrCreateKeys(env.OP_KEYS_FILE);
if (env.OP_PUBLIC_JWKS_FILE) {
  const pub = jwks.keys.map(({ d, p, q, dp, dq, qi, ...rest }) => rest);
  writeFileSync(env.OP_PUBLIC_JWKS_FILE, JSON.stringify({ keys: pub }, null, 2));
}

// ---------------------------------------------------------------- test users
const USERS = {
  alice: {
    password: 'alice-password',
    claims: {
      email: 'alice@example.test', email_verified: true, name: 'Alice Admin',
      given_name: 'Alice', family_name: 'Admin', preferred_username: 'alice',
      groups: ['admins', 'staff'],
    },
  },
  bob: {
    password: 'bob-password',
    claims: {
      email: 'bob@example.test', email_verified: true, name: 'Bob Staff',
      given_name: 'Bob', family_name: 'Staff', preferred_username: 'bob',
      groups: ['staff'],
    },
  },
  carol: {
    password: 'carol-password',
    claims: {
      email: 'carol@example.test', email_verified: false, name: 'Carol NoGroups',
      given_name: 'Carol', family_name: 'NoGroups', preferred_username: 'carol',
      groups: [],
    },
  },
};

async function findAccount(ctx, sub) {
  const user = USERS[sub];
  if (!user) return undefined;
  return {
    accountId: sub,
    async claims() { return { sub, ...user.claims }; },
  };
}

// ---------------------------------------------------------------- clients
const common = {
  redirect_uris: REDIRECT_URIS,
  post_logout_redirect_uris: POST_LOGOUT,
  ...(env.OP_BACKCHANNEL_LOGOUT_URI
    ? { backchannel_logout_uri: env.OP_BACKCHANNEL_LOGOUT_URI, backchannel_logout_session_required: true }
    : {}),
  response_types: ['code'],
  grant_types: ['authorization_code', 'refresh_token'],
};
const clients = [
  {
    ...common,
    client_id: 'authfront-confidential',
    client_secret: 'authfront-confidential-secret',
    client_name: 'authfront (confidential, RS256)',
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  },
  {
    ...common,
    client_id: 'authfront-public',
    client_name: 'authfront (public, PKCE)',
    token_endpoint_auth_method: 'none',
    id_token_signed_response_alg: 'RS256',
  },
  {
    ...common,
    client_id: 'authfront-es256',
    client_secret: 'authfront-es256-secret',
    client_name: 'authfront (confidential, ES256 ID tokens)',
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'ES256',
  },
  {
    ...common,
    client_id: 'authfront-post',
    client_secret: 'authfront-post-secret',
    client_name: 'authfront (client_secret_post)',
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: 'RS256',
  },
];
const apacheRedirects = list(env.OP_APACHE_REDIRECT_URIS);
if (apacheRedirects.length) {
  clients.push({
    client_id: 'mod-auth-openidc',
    client_secret: 'mod-auth-openidc-secret',
    client_name: 'Apache mod_auth_openidc (benchmark peer)',
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
    response_types: ['code'],
    grant_types: ['authorization_code', 'refresh_token'],
    redirect_uris: apacheRedirects,
    post_logout_redirect_uris: apacheRedirects.map((u) => new URL('/', u).href),
  });
}

// ---------------------------------------------------------------- HTML (no external assets)
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const page = (title, body) => `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${esc(title)}</title></head><body><h1>${esc(title)}</h1>${body}</body></html>`;

// ---------------------------------------------------------------- provider
const configuration = {
  clients,
  jwks,
  findAccount,
  cookies: { keys: [env.OP_COOKIE_KEY || 'authfront-test-op-cookie-key-not-secret'] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    groups: ['groups'],
  },
  scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
  // put the claims of the granted scopes into the ID token too (not only userinfo)
  conformIdTokenClaims: false,
  pkce: {
    required: (ctx, client) => (env.OP_PKCE_REQUIRED === 'public' ? client.clientAuthMethod === 'none' : true),
  },
  // refresh tokens: with offline_access (OIDC Core §11), or always with OP_ALWAYS_ISSUE_REFRESH=1
  issueRefreshToken: async (ctx, client, code) => client.grantTypeAllowed('refresh_token')
    && (env.OP_ALWAYS_ISSUE_REFRESH === '1' || code.scopes.has('offline_access')),
  // every refresh rotates the refresh token (the old one is then refused) unless OP_ROTATE_REFRESH=0
  rotateRefreshToken: () => env.OP_ROTATE_REFRESH !== '0',
  ttl: {
    AccessToken: num(env.OP_TTL_ACCESS, 3600),
    AuthorizationCode: num(env.OP_TTL_CODE, 60),
    IdToken: num(env.OP_TTL_ID, 3600),
    Interaction: 600,
    RefreshToken: num(env.OP_TTL_REFRESH, 14 * 24 * 3600),
    Session: num(env.OP_TTL_SESSION, 24 * 3600),
    Grant: num(env.OP_TTL_REFRESH, 14 * 24 * 3600),
  },
  features: {
    devInteractions: { enabled: false }, // replaced by the interaction routes below
    registration: { enabled: true }, // open dynamic registration (loopback only): tests register their own clients
    // OpenID Connect Back-Channel Logout: when a session ends here (end_session), a logout token
    // is POSTed to each client of the session that registered a backchannel_logout_uri
    backchannelLogout: { enabled: true },
    revocation: { enabled: true }, // RFC 7009: authfront revokes refresh tokens at sign-out
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = page('Sign out?', `${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes" id="logout-yes">Yes, sign me out</button>
<button type="submit" form="op.logoutForm" id="logout-no">No, stay signed in</button>`);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('Signed out', '<p id="signed-out">You are signed out.</p>');
      },
    },
  },
  // The provider's own outgoing requests (back-channel logout tokens) go to authfront on
  // 127.0.0.1, which the library's SSRF guard refuses; this provider only ever runs on loopback.
  fetch: (url, options) => {
    const { dispatcher, ...rest } = options;
    return globalThis.fetch(url, rest);
  },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = page('OP error', Object.entries(out).map(([k, v]) => `<pre id="${esc(k)}">${esc(k)}: ${esc(v)}</pre>`).join(''));
  },
};

const provider = new Provider(ISSUER, configuration);
provider.proxy = false;

// ---------------------------------------------------------------- interactions
// GET  /interaction/:uid          login page (or automatic login), automatic consent
// POST /interaction/:uid/login    form fields: login, password
// GET  /interaction/:uid/abort    deny
async function readForm(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
}

async function autoConsent(ctx, details) {
  const { prompt: { details: missing }, params, session } = details;
  let grant = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  if (!grant) grant = new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  if (missing.missingResourceScopes) {
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes)) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
  }
  const grantId = await grant.save();
  const consent = details.grantId ? {} : { grantId };
  return provider.interactionFinished(ctx.req, ctx.res, { consent }, { mergeWithLastSubmission: true });
}

function loginForm(uid, details, message) {
  const hint = details.params.login_hint ? esc(details.params.login_hint) : '';
  return page('Sign in', `${message ? `<p id="error">${esc(message)}</p>` : ''}
<form id="login-form" method="post" action="/interaction/${esc(uid)}/login" autocomplete="off">
<label>Username <input id="username" name="login" value="${hint}" required></label>
<label>Password <input id="password" name="password" type="password" required></label>
<button id="submit" type="submit">Sign in</button>
</form>
<p>Client: ${esc(details.params.client_id)}</p>`);
}

provider.use(async (ctx, next) => {
  const m = /^\/interaction\/([\w-]+)(\/login|\/abort)?$/.exec(ctx.path);
  if (!m) return next();
  ctx.set('cache-control', 'no-store');
  try {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const [, uid, action] = m;
    if (!action && ctx.method === 'GET') {
      if (details.prompt.name === 'login') {
        const hinted = details.params.login_hint;
        const who = hinted && USERS[hinted] ? hinted : AUTO_LOGIN;
        if (autoLoginOn && USERS[who]) {
          return provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: who } }, { mergeWithLastSubmission: false });
        }
        ctx.type = 'html';
        ctx.body = loginForm(uid, details);
        return undefined;
      }
      if (details.prompt.name === 'consent') return autoConsent(ctx, details);
      return next();
    }
    if (action === '/login' && ctx.method === 'POST') {
      const form = await readForm(ctx.req);
      const user = USERS[form.login];
      if (!user || user.password !== form.password) {
        ctx.status = 401;
        ctx.type = 'html';
        ctx.body = loginForm(uid, details, 'Invalid username or password');
        return undefined;
      }
      return provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: form.login } }, { mergeWithLastSubmission: false });
    }
    if (action === '/abort') {
      return provider.interactionFinished(ctx.req, ctx.res, { error: 'access_denied', error_description: 'End-User aborted interaction' }, { mergeWithLastSubmission: false });
    }
    return next();
  } catch (err) {
    if (err instanceof errors.SessionNotFound) {
      ctx.status = err.status;
      ctx.type = 'html';
      ctx.body = page('Interaction expired', `<pre>${esc(err.message)}</pre>`);
      return undefined;
    }
    throw err;
  }
});

// One line per token-endpoint request, whatever its outcome: tests count how often an
// authorization code was sent here (a replayed callback must not send it again).
provider.use(async (ctx, next) => {
  await next();
  if (ctx.method === 'POST' && ctx.path === '/token') {
    console.log(`token endpoint: ${ctx.status} grant_type=${ctx.oidc?.params?.grant_type} client=${ctx.oidc?.client?.clientId}`);
  }
});

provider.on('server_error', (ctx, err) => console.error('server_error', err));
provider.on('backchannel.error', (ctx, err, client) => console.error(`backchannel logout to ${client.clientId} failed: ${err.message}`));
provider.on('backchannel.success', (ctx, client, accountId, sid) => console.log(`backchannel logout sent to ${client.clientId} (sub ${accountId}, sid ${sid})`));

const server = provider.listen(PORT, HOST, () => {
  console.log(`oidc-provider listening on http://${HOST}:${PORT} issuer=${ISSUER} auto_login=${autoLoginOn ? AUTO_LOGIN : 'off'}`);
});
const shutdown = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections?.();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
