/**
 * Who acts at this console: the signed-in person, recorded as `by` on every action (the core
 * takes it from the session, whatever a client sends). There is no choosing someone else, in a
 * browser or in the desktop window: a hand-over is sign-out, then sign-in.
 */
import { useSession } from '../app/session';

export function PersonSelect() {
  const session = useSession();
  return (
    <div className="person-select" data-testid="acting-person">
      <span className="muted">Signed in as</span>{' '}
      <strong>{session.status === 'person' ? `${session.name}${session.role ? ` (${session.role})` : ''}` : session.status === 'display' ? 'nobody: this display is locked (read-only)' : '…'}</strong>
    </div>
  );
}
