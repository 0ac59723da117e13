/**
 * The sign-in and first-start pages: plain HTML forms that post to this core (no script, so they
 * work before the console's bundle loads and under the strict CSP). Every text from a request or
 * the plant is escaped.
 */

export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The CSP of these pages: the console's, with forms allowed to post back to this core. */
export const SIGNIN_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const STYLE = `body{font:16px system-ui,sans-serif;background:#10141a;color:#e6e9ee;display:flex;min-height:100vh;margin:0;align-items:center;justify-content:center}
main{background:#1a2029;padding:2rem 2.5rem;border-radius:10px;min-width:20rem;max-width:28rem;box-shadow:0 4px 24px #0006}
h1{font-size:1.4rem;margin:0 0 1rem}label{display:block;margin:.8rem 0 .2rem}input,select{width:100%;box-sizing:border-box;padding:.5rem;font:inherit;border-radius:6px;border:1px solid #3a4452;background:#0d1117;color:inherit}
button,.alt{margin-top:1.2rem;width:100%;padding:.6rem;font:inherit;border-radius:6px;border:0;background:#2f81f7;color:#fff;cursor:pointer;display:block;text-align:center;text-decoration:none;box-sizing:border-box}
.alt{background:#30363d}.error{background:#5a1e1e;border:1px solid #a33;padding:.6rem;border-radius:6px}.note{color:#9aa4b2;font-size:.9rem}`;

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)} · Takt</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;

/** Another way to sign in, shown under the form (e.g. an identity provider). */
export interface SignInOption {
  label: string;
  href: string;
}

export function signInPage(o: { error?: string; username?: string; options?: readonly SignInOption[]; locked?: boolean } = {}): string {
  return page(
    'Sign in',
    `<h1>Sign in to Takt</h1>${o.locked ? '<p class="note" data-testid="locked-note">This display is locked: it shows the floor read-only. Sign in to act.</p>' : ''}
${o.error ? `<p class="error" role="alert" data-testid="signin-error">${esc(o.error)}</p>` : ''}
<form method="post" action="/auth/signin">
<label for="u">User name</label><input id="u" name="username" autocomplete="username" autocapitalize="none" required value="${esc(o.username ?? '')}" autofocus>
<label for="p">Password</label><input id="p" name="password" type="password" autocomplete="current-password" required>
<button type="submit" data-testid="signin-submit">Sign in</button>
</form>
${(o.options ?? []).map((x) => `<a class="alt" href="${esc(x.href)}">${esc(x.label)}</a>`).join('\n')}`,
  );
}

export function firstStartPage(o: { code: string; people: readonly { id: string; name: string; role: string }[]; error?: string; username?: string; personId?: string }): string {
  const options = o.people.map((p) => `<option value="${esc(p.id)}"${p.id === o.personId ? ' selected' : ''}>${esc(p.name)} (${esc(p.role)})</option>`).join('');
  return page(
    'First start',
    `<h1>Create the first administrator</h1>
<p class="note">This link works once, until an account exists. The administrator adds the other accounts with <code>takt users add</code>.</p>
${o.error ? `<p class="error" role="alert" data-testid="signin-error">${esc(o.error)}</p>` : ''}
<form method="post" action="/auth/first-start">
<input type="hidden" name="code" value="${esc(o.code)}">
<label for="person">You are</label><select id="person" name="personId" required><option value="">— choose from the plant's people —</option>${options}</select>
<label for="u">User name</label><input id="u" name="username" autocomplete="username" autocapitalize="none" required value="${esc(o.username ?? '')}">
<label for="p">Password (at least 10 characters)</label><input id="p" name="password" type="password" autocomplete="new-password" required minlength="10">
<button type="submit" data-testid="first-start-submit">Create and sign in</button>
</form>`,
  );
}

export function messagePage(title: string, text: string, link?: SignInOption): string {
  return page(title, `<h1>${esc(title)}</h1><p>${esc(text)}</p>${link ? `<a class="alt" href="${esc(link.href)}">${esc(link.label)}</a>` : ''}`);
}
