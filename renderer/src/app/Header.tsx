/** Plant name, plant clock (in the plant's time zone), speed and the connection state. */
import { useEffect, useMemo, useState } from 'react';
import { useConnection, useConnectionState, useCoreData } from './ClientContext';
import { useTwinMeta } from '../twin/slices';
import type { ConnectionState } from '../transport/connection';
import { lockDisplay, signInAgain, signOut, useSession } from './session';

/** Who is signed in, with sign-out (shift hand-over) and lock (a wall display stays on the floor, read-only). */
function SignedIn() {
  const s = useSession();
  if (s.status === 'person')
    return (
      <span className="signed-in" data-testid="signed-in">
        <span data-testid="signed-in-as" data-person={s.personId} title={s.username ? `signed in as ${s.username}` : undefined}>
          {s.name}
          {s.role ? ` · ${s.role}` : ''}
        </span>
        <button type="button" className="link-button" data-testid="lock" onClick={() => void lockDisplay()} title="Lock this display: it keeps showing the floor, read-only, until someone signs in">
          Lock
        </button>
        <button type="button" className="link-button" data-testid="sign-out" onClick={() => void signOut()}>
          Sign out
        </button>
      </span>
    );
  if (s.status === 'display')
    return (
      <span className="signed-in" data-testid="signed-in">
        <span data-testid="locked">Locked · read-only</span>
        <a
          className="link-button"
          href="/signin"
          data-testid="sign-in"
          onClick={(e) => {
            // The desktop window has no sign-in page: it signs in on its channel.
            if (window.takt?.shell !== 'electron') return;
            e.preventDefault();
            void signInAgain();
          }}
        >
          Sign in
        </a>
      </span>
    );
  return null;
}

function PlantClock({ timeZone }: { timeZone: string }) {
  const meta = useTwinMeta();
  const fmt = useMemo(() => new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit' }), [timeZone]);
  return (
    <span className="clock" title={`Plant time (${timeZone}), journal position ${meta.position}`}>
      <span className="visually-hidden">Plant time </span>
      <time dateTime={meta.ready ? new Date(meta.time).toISOString() : undefined}>{meta.ready ? fmt.format(meta.time) : '--:--:--'}</time>
    </span>
  );
}

const connectionText: Record<ConnectionState['status'], string> = {
  connecting: 'Connecting…',
  open: 'Connected',
  reconnecting: 'Reconnecting',
  closed: 'Disconnected',
};

function ConnectionBadge() {
  const conn = useConnection();
  const s = useConnectionState();
  const [, tick] = useState(0);
  useEffect(() => {
    if (s.status !== 'reconnecting' || !s.retryAt) return;
    const t = setInterval(() => tick((n) => n + 1), 500);
    return () => clearInterval(t);
  }, [s.status, s.retryAt]);
  const secs = s.retryAt ? Math.max(0, Math.ceil((s.retryAt - Date.now()) / 1000)) : 0;
  const ok = s.status === 'open';
  return (
    <span className={`connection connection-${s.status}`} data-testid="connection" data-status={s.status} title={s.error ?? `${s.shell === 'electron' ? 'Desktop' : 'Browser'} console`}>
      <svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">
        {ok ? <circle cx="6" cy="6" r="4.5" fill="none" stroke="currentColor" strokeWidth="2" /> : <polygon points="6,0.5 11.5,11 0.5,11" fill="currentColor" />}
      </svg>
      <span role="status">
        {connectionText[s.status]}
        {s.status === 'reconnecting' && s.retryAt ? ` in ${secs} s (try ${s.attempt})` : ''}
      </span>
      {(s.status === 'reconnecting' || s.status === 'closed') && (
        <button type="button" className="link-button" onClick={() => conn.retryNow()}>
          Retry now
        </button>
      )}
    </span>
  );
}

export function Header({ onToggleHelp }: { onToggleHelp(): void }) {
  const { plant, info, status, error } = useCoreData();
  const timeZone = plant?.site.timezone ?? 'UTC';
  const speed = status?.speed ?? info?.clock.speed;
  return (
    <header className="app-header">
      <div className="brand">
        <span className="logo" aria-hidden="true">
          T
        </span>
        <span className="plant-name" data-testid="plant-name">
          {plant?.site.name ?? info?.plant.name ?? 'Takt'}
        </span>
      </div>
      <div className="header-right">
        <PlantClock timeZone={timeZone} />
        {speed !== undefined && speed !== 1 && <span className="speed" title="Clock speed: plant time runs this many times faster than real time">×{speed}</span>}
        <ConnectionBadge />
        <SignedIn />
        <button type="button" className="help-button" onClick={onToggleHelp} aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)">
          ?
        </button>
      </div>
      {error && (
        <p className="header-error" role="alert">
          {error}
        </p>
      )}
      {status?.ingestPaused && (
        <p className="header-error" role="alert" data-testid="ingest-paused">
          {status.ingestPaused}
        </p>
      )}
    </header>
  );
}
