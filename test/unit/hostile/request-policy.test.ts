/**
 * The rule that keeps other web pages from driving the core: which Origin / Sec-Fetch-Site /
 * Content-Type a WebSocket handshake or an API call may carry, for loopback, wildcard and network binds.
 */
import { describe, expect, it } from 'vitest';
import { allowedOriginsFrom, canonicalOrigin, createRequestPolicy, isLoopbackHost, parseAllowedOrigin } from '../../../main/core/hosts/browser/request-policy';

const json = 'application/json';

describe('origins', () => {
  it('writes the port always and folds case', () => {
    expect(canonicalOrigin('http://LocalHost')).toBe('http://localhost:80');
    expect(canonicalOrigin('https://mes.example')).toBe('https://mes.example:443');
    expect(canonicalOrigin('http://[::1]:4870')).toBe('http://[::1]:4870');
    expect(canonicalOrigin('null')).toBeNull();
    expect(canonicalOrigin('file:///tmp/x.html')).toBeNull();
    expect(canonicalOrigin('http://user:pw@127.0.0.1:1')).toBeNull();
  });

  it('knows loopback hosts', () => {
    for (const h of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.10', 'plant.example', 'localhost.evil.example']) expect(isLoopbackHost(h), h).toBe(false);
  });

  it('parses --allow-origin and TAKT_ALLOWED_ORIGINS, refusing paths and non-URLs with a fix', () => {
    expect(parseAllowedOrigin('https://mes.example:8443/')).toBe('https://mes.example:8443');
    expect(allowedOriginsFrom(['http://a.example'], 'https://b.example, http://a.example  http://c.example:81')).toEqual(['https://b.example:443', 'http://a.example:80', 'http://c.example:81']);
    expect(() => parseAllowedOrigin('https://mes.example/console')).toThrow(/not an origin: write scheme:\/\/host\[:port\]/);
    expect(() => parseAllowedOrigin('mes.example')).toThrow(/--allow-origin "mes.example" is not an origin/);
    expect(allowedOriginsFrom([], undefined)).toEqual([]);
  });
});

describe('a core bound to 127.0.0.1', () => {
  const p = createRequestPolicy({ secure: false, boundAddress: '127.0.0.1', port: 4870 });

  it('lets its own pages (127.0.0.1 and localhost, same port) open the WebSocket', () => {
    expect(p.webSocket({ origin: 'http://127.0.0.1:4870', host: '127.0.0.1:4870' }).ok).toBe(true);
    expect(p.webSocket({ origin: 'http://localhost:4870', host: 'localhost:4870' }).ok).toBe(true);
    // The page was loaded by one loopback name and the socket opened by the other: still this server.
    expect(p.webSocket({ origin: 'http://localhost:4870', host: '127.0.0.1:4870' }).ok).toBe(true);
  });

  it('takes a sign-in form post only from its own page (Origin, or Sec-Fetch-Site when Origin is null)', () => {
    expect(p.formPost({ origin: 'http://127.0.0.1:4870' }).ok).toBe(true);
    // Referrer-Policy: no-referrer makes a browser send Origin: null on a form post.
    expect(p.formPost({ origin: 'null', secFetchSite: 'same-origin' }).ok).toBe(true);
    expect(p.formPost({ origin: 'null', secFetchSite: 'cross-site' }).ok).toBe(false);
    expect(p.formPost({ origin: 'null' }).ok).toBe(false);
    expect(p.formPost({ origin: 'http://127.0.0.1:9999' }).ok).toBe(false);
    expect(p.formPost({ secFetchSite: 'same-site' }).ok).toBe(false);
    expect(p.formPost({}).ok).toBe(true); // a program, which still needs the password
  });

  it('lets a client without Origin (not a browser) connect', () => {
    expect(p.webSocket({ host: '127.0.0.1:4870' }).ok).toBe(true);
  });

  it('refuses other sites, other ports, other schemes, [::1] (another socket) and null', () => {
    for (const origin of ['https://evil.example', 'http://127.0.0.1:4871', 'https://127.0.0.1:4870', 'http://[::1]:4870', 'null', 'http://localhost']) {
      const v = p.webSocket({ origin, host: '127.0.0.1:4870' });
      expect(v.ok, origin).toBe(false);
      if (!v.ok) {
        expect(v.status).toBe(403);
        expect(v.reason).toContain('--allow-origin');
      }
    }
  });

  it('does not trust the Host header on loopback (DNS rebinding)', () => {
    expect(p.webSocket({ origin: 'http://rebind.evil.example:4870', host: 'rebind.evil.example:4870' }).ok).toBe(false);
    expect(p.apiCall('POST', { origin: 'http://rebind.evil.example:4870', host: 'rebind.evil.example:4870', contentType: json }).ok).toBe(false);
  });

  it('answers only its own Host names on the bound port, GETs and the WebSocket included (DNS rebinding reads)', () => {
    for (const host of ['127.0.0.1:4870', 'localhost:4870', 'LOCALHOST:4870', '[::1]:4870', undefined]) expect(p.host({ host }).ok, String(host)).toBe(true);
    for (const host of ['attacker.example', 'attacker.example:4870', '127.0.0.1:4871', 'localhost', '127.0.0.2:4870', 'localhost.attacker.example:4870', '']) {
      const v = p.host({ host });
      expect(v, host).toMatchObject({ ok: false, status: 421, code: 'misdirected_host' });
    }
    // Bound to a network address (TLS) the name is not known in advance: the certificate decides.
    const net = createRequestPolicy({ secure: true, boundAddress: '10.0.0.5', port: 8443 });
    expect(net.host({ host: 'mes.plant.example:8443' }).ok).toBe(true);
    // The default port may be left out.
    expect(createRequestPolicy({ secure: false, boundAddress: '127.0.0.1', port: 80 }).host({ host: 'localhost' }).ok).toBe(true);
  });

  it('takes application/<name>+json as JSON', () => {
    expect(p.apiCall('POST', { contentType: 'application/vnd.erp.order+json; charset=utf-8' }).ok).toBe(true);
    expect(p.apiCall('POST', { contentType: 'application/problem+json' }).ok).toBe(true);
    expect(p.apiCall('POST', { contentType: 'text/json+plain' }).ok).toBe(false);
    expect(p.apiCall('POST', { contentType: 'application/+json' }).ok).toBe(false);
  });

  it('needs a JSON content type on mutating calls, and the own origin when a browser says where from', () => {
    expect(p.apiCall('GET', { origin: 'https://evil.example' }).ok).toBe(true); // reads are not mutations
    expect(p.apiCall('POST', { contentType: 'application/json; charset=utf-8' }).ok).toBe(true);
    expect(p.apiCall('post', { contentType: 'Application/JSON' }).ok).toBe(true);
    const plain = p.apiCall('POST', { contentType: 'text/plain' });
    expect(plain).toMatchObject({ ok: false, status: 415, code: 'unsupported_media_type' });
    expect(p.apiCall('DELETE', {})).toMatchObject({ ok: false, status: 415 });
    // A structured-syntax JSON type is JSON (a cross-site page cannot send it without a preflight either).
    expect(p.apiCall('PUT', { contentType: 'application/json-patch+json' }).ok).toBe(true);
    expect(p.apiCall('PUT', { contentType: 'application/x-www-form-urlencoded' })).toMatchObject({ ok: false, status: 415 });
    // The cross-site form post / no-cors fetch: refused on its origin before its content type is looked at.
    expect(p.apiCall('POST', { origin: 'https://evil.example', secFetchSite: 'cross-site', contentType: 'text/plain' })).toMatchObject({ ok: false, status: 403, code: 'forbidden_origin' });
    expect(p.apiCall('POST', { origin: 'http://localhost:4870', secFetchSite: 'same-origin', contentType: json }).ok).toBe(true);
    // Sec-Fetch-Site without Origin: only same-origin (or a user's own navigation) passes.
    expect(p.apiCall('PATCH', { secFetchSite: 'same-site', contentType: json })).toMatchObject({ ok: false, status: 403 });
    expect(p.apiCall('PATCH', { secFetchSite: 'cross-site', contentType: json })).toMatchObject({ ok: false, status: 403 });
    expect(p.apiCall('PATCH', { secFetchSite: 'same-origin', contentType: json }).ok).toBe(true);
  });

  it('lets allowed origins in', () => {
    const q = createRequestPolicy({ secure: false, boundAddress: '127.0.0.1', port: 4870, allowedOrigins: allowedOriginsFrom(['https://mes.example'], undefined) });
    expect(q.webSocket({ origin: 'https://mes.example', host: '127.0.0.1:4870' }).ok).toBe(true);
    expect(q.apiCall('POST', { origin: 'https://mes.example', secFetchSite: 'cross-site', contentType: json }).ok).toBe(true);
    expect(q.apiCall('POST', { origin: 'https://mes.example', secFetchSite: 'cross-site', contentType: 'text/plain' }).ok).toBe(false);
    expect(q.webSocket({ origin: 'https://mes.example:8443', host: '127.0.0.1:4870' }).ok).toBe(false);
  });

  it('quotes and shortens a hostile Origin in its reason (a log line stays one line)', () => {
    const v = p.webSocket({ origin: `http://x\r\nInjected: yes${'a'.repeat(1000)}` });
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.reason).not.toMatch(/[\r\n]/);
      expect(v.reason.length).toBeLessThan(500);
    }
  });
});

describe('a core bound to ::1, a wildcard or a network address (TLS)', () => {
  it('::1 takes [::1] and localhost, not 127.0.0.1', () => {
    const p = createRequestPolicy({ secure: false, boundAddress: '::1', port: 9000 });
    expect(p.webSocket({ origin: 'http://[::1]:9000' }).ok).toBe(true);
    expect(p.webSocket({ origin: 'http://localhost:9000' }).ok).toBe(true);
    expect(p.webSocket({ origin: 'http://127.0.0.1:9000' }).ok).toBe(false);
  });

  it('0.0.0.0 over https takes loopback and the name the browser reached it by', () => {
    const p = createRequestPolicy({ secure: true, boundAddress: '0.0.0.0', port: 8443 });
    expect(p.webSocket({ origin: 'https://plant-host.example:8443', host: 'plant-host.example:8443' }).ok).toBe(true);
    expect(p.webSocket({ origin: 'https://localhost:8443', host: 'localhost:8443' }).ok).toBe(true);
    expect(p.webSocket({ origin: 'http://plant-host.example:8443', host: 'plant-host.example:8443' }).ok).toBe(false); // scheme
    expect(p.webSocket({ origin: 'https://evil.example', host: 'plant-host.example:8443' }).ok).toBe(false);
    expect(p.ownOrigins('plant-host.example')).toContain('https://plant-host.example:443');
  });

  it('a specific address takes itself', () => {
    const p = createRequestPolicy({ secure: true, boundAddress: '10.1.2.3', port: 8443 });
    expect(p.webSocket({ origin: 'https://10.1.2.3:8443' }).ok).toBe(true);
    expect(p.webSocket({ origin: 'https://127.0.0.1:8443' }).ok).toBe(false);
  });
});
