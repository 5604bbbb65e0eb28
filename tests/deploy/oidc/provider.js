// A real OpenID Connect provider for the SSO end-to-end test (panva/node-oidc-provider), on 127.0.0.1.
//
//   OIDC_PORT=0 OIDC_CLIENT_ID=ideabox OIDC_CLIENT_SECRET=... OIDC_REDIRECT_URI=http://.../callback/ \
//   OIDC_ACCOUNTS='{"alice@example.com": {"password": "...", "name": "Alice Martin"}}' node provider.js
//
// Prints one line "listening <issuer>" once it accepts connections. The sign-in page checks the
// e-mail and password against OIDC_ACCOUNTS (nothing like the library's "any login" dev pages);
// consent is implied for this first-party client, as a company IdP does for its own applications.
import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

const env = process.env;
const accounts = JSON.parse(env.OIDC_ACCOUNTS || '{}');
const clientId = env.OIDC_CLIENT_ID || 'ideabox';

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>`
    + `<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

function loginForm(uid, error = '') {
  return page('Company sign-in', `${error ? `<p role="alert">${escape(error)}</p>` : ''}
    <form method="post" action="/interaction/${escape(uid)}/login">
      <label>E-mail <input name="email" type="email" autocomplete="username" required></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
      <button type="submit">Sign in</button>
    </form>`);
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      data += chunk;
      if (data.length > 1e5) reject(new Error('body too large'));
    });
    req.on('end', () => resolve(new URLSearchParams(data)));
    req.on('error', reject);
  });
}

async function main() {
  const listener = http.createServer();
  await new Promise((resolve) => listener.listen(Number(env.OIDC_PORT || 0), '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${listener.address().port}`;

  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: env.OIDC_CLIENT_SECRET,
      redirect_uris: (env.OIDC_REDIRECT_URI || '').split(',').filter(Boolean),
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: env.OIDC_TOKEN_AUTH_METHOD || 'client_secret_post',
    }],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'locale'],
    },
    scopes: ['openid', 'email', 'profile'],
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, sub) {
      const email = Object.keys(accounts).find((key) => accounts[key].sub === sub || key === sub);
      if (!email) return undefined;
      const person = accounts[email];
      return {
        accountId: person.sub || email,
        async claims() {
          return {
            sub: person.sub || email,
            email,
            email_verified: person.email_verified ?? true,
            name: person.name,
            given_name: person.given_name,
            family_name: person.family_name,
            locale: person.locale,
          };
        },
      };
    },
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  const callback = provider.callback();

  listener.on('request', async (req, res) => {
    const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(new URL(req.url, issuer).pathname);
    if (!match) {
      callback(req, res);
      return;
    }
    try {
      const details = await provider.interactionDetails(req, res);
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(loginForm(details.uid));
        return;
      }
      const form = await readForm(req);
      const email = (form.get('email') || '').trim().toLowerCase();
      const person = accounts[email];
      if (!person || person.password !== form.get('password')) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(loginForm(details.uid, 'Wrong e-mail or password.'));
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: person.sub || email } }, {
        mergeWithLastSubmission: false,
      });
    } catch (error) {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`interaction failed: ${error.message}`);
    }
  });

  process.stdout.write(`listening ${issuer}\n`);
  const stop = () => listener.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
