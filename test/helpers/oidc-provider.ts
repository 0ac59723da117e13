/**
 * A real OpenID Provider (`oidc-provider`) for tests, on a free loopback port, with its development
 * login and consent pages (any login name, any password; the name is the account id) and accounts
 * that carry the claims a plant's provider would (email, preferred_username, groups).
 *
 * The provider listens at once (its issuer URL is needed to start the console) and is configured
 * with its client when the console's callback URL is known (`register`): until then it answers 503.
 */
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface TestIdpAccount {
  /** The account id, typed into the provider's login page. */
  sub: string;
  email?: string;
  email_verified?: boolean;
  preferred_username?: string;
  name?: string;
  groups?: string[];
}

export interface TestProvider {
  /** http://127.0.0.1:<port> */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Registers a console's callback URL for the provider's one client (added to those registered before). */
  register(redirectUri: string): void;
  close(): Promise<void>;
}

export async function startTestProvider(accounts: readonly TestIdpAccount[]): Promise<TestProvider> {
  const byId = new Map(accounts.map((a) => [a.sub, a]));
  const clientId = 'takt-console';
  const clientSecret = randomBytes(24).toString('base64url');
  let handler: ReturnType<Provider['callback']> | null = null;
  const redirectUris: string[] = [];
  const server: Server = createServer((req, res) => {
    if (handler) return void handler(req, res);
    res.writeHead(503, { 'content-type': 'text/plain' }).end('test provider: no client registered yet');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    clientId,
    clientSecret,
    register(redirectUri) {
      redirectUris.push(redirectUri);
      // A new provider with the client's whole list (its sessions and grants start afresh).
      const provider = new Provider(issuer, {
        clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [...redirectUris], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' }],
        // Claims by scope; groups ride with `profile` so the console needs no extra scope for them.
        claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['preferred_username', 'name', 'groups'] },
        async findAccount(_ctx, sub) {
          const a = byId.get(sub);
          if (!a) return undefined;
          return { accountId: sub, claims: () => ({ ...a }) };
        },
        cookies: { keys: [randomBytes(16).toString('hex')] },
        ttl: { Interaction: 600, Session: 3600, Grant: 3600, AuthorizationCode: 60, AccessToken: 600, IdToken: 600 },
      });
      handler = provider.callback();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
