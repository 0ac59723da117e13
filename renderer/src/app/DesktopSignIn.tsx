/**
 * The desktop window's sign-in. Its channel to the core is trusted as transport, not as a person:
 * until someone signs in, the window shows this form and nothing of the floor (the core refuses a
 * signed-out window everything else). Signing in uses the data folder's accounts (the same
 * passwords, lockout and audit as a browser's sign-in page); on a data folder without accounts the
 * window creates the first administrator instead, which a browser does with a one-time link.
 */
import { useEffect, useId, useState, useSyncExternalStore, type FormEvent, type ReactNode } from 'react';
import type { ProtocolClient } from '../../../shared/protocol/client';
import type { Plant } from '../../../shared/plant/schema';
import type { Connection } from '../transport/connection';
import { askWindowSession, signInWindow, useSession } from './session';

/** Shows `children` (the console) once a person is signed in or the display is locked; the sign-in form until then. */
export function DesktopSignInGate({ connection, children }: { connection: Connection; children: ReactNode }) {
  const { client, status } = useSyncExternalStore(connection.subscribe, connection.getState);
  const session = useSession();
  useEffect(() => {
    if (client) askWindowSession(client);
  }, [client]);
  if (session.status === 'person' || session.status === 'display') return <>{children}</>;
  if (session.status === 'signed-out' && client) return <SignInForm client={client} firstStart={session.firstStart === true} />;
  const text =
    session.status === 'unavailable'
      ? 'The core did not say who is signed in at this window. Close the window and open Takt again; if it goes on, see the core log.'
      : status === 'closed'
        ? 'The window lost its link to the core. Reload the window (Ctrl+R) or open Takt again.'
        : 'Connecting to the plant core…';
  return (
    <main className="desktop-signin" data-testid="desktop-signin-wait">
      <p role="status">{text}</p>
    </main>
  );
}

function SignInForm({ client, firstStart }: { client: ProtocolClient; firstStart: boolean }) {
  const [plant, setPlant] = useState<Plant | null>(null);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [personId, setPersonId] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = { user: useId(), password: useId(), person: useId() };
  useEffect(() => {
    let live = true;
    client.call('plant.get').then(
      (p) => live && setPlant(p),
      () => undefined, // the form works without the plant's name; first start says so below
    );
    return () => {
      live = false;
    };
  }, [client]);
  const people = plant ? plant.crews.flatMap((c) => c.members.map((m) => ({ ...m, crew: c.name }))) : [];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    if (firstStart && !personId) return setError('choose who you are from the plant’s people');
    setBusy(true);
    setError(null);
    signInWindow(client, firstStart ? { username, password, personId } : { username, password }).catch((err: Error) => {
      setBusy(false);
      setPassword('');
      setError(err.message);
    });
  };
  return (
    <main className="desktop-signin">
      <form className="desktop-signin-form" onSubmit={submit} data-testid="desktop-signin" aria-labelledby={`${ids.user}-title`}>
        <h1 id={`${ids.user}-title`}>{plant?.site.name ?? 'Takt'}</h1>
        {firstStart ? (
          <p>
            First start: this data folder has no accounts yet. Create the first administrator: choose who you are, a user name and a password (at least 10 characters). Others are
            added with <code>takt users add</code>.
          </p>
        ) : (
          <p>Sign in: what you do here is recorded in your name.</p>
        )}
        {firstStart && (
          <>
            <label htmlFor={ids.person}>Who you are</label>
            <select id={ids.person} value={personId} onChange={(e) => setPersonId(e.target.value)} data-testid="desktop-signin-person" required>
              <option value="">{plant ? '— choose from the plant’s people —' : 'loading the plant’s people…'}</option>
              {people.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name} ({p.role}, {p.crew})
                </option>
              ))}
            </select>
          </>
        )}
        <label htmlFor={ids.user}>User name</label>
        <input id={ids.user} name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required autoFocus data-testid="desktop-signin-username" />
        <label htmlFor={ids.password}>Password</label>
        <input
          id={ids.password}
          name="password"
          type="password"
          autoComplete={firstStart ? 'new-password' : 'current-password'}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          required
          data-testid="desktop-signin-password"
        />
        {error && (
          <p className="desktop-signin-error" role="alert" data-testid="desktop-signin-error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {firstStart ? 'Create administrator and sign in' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
