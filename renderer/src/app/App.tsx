/** The shell: header, view navigation, the current view, shortcuts and wall mode. */
import { lazy, Suspense, useEffect, useState } from 'react';
import { Header } from './Header';
import { routes, useRoute } from './routes';
import { ShortcutOverlay, useShortcuts } from './Shortcuts';
import { FloorView } from '../views/FloorView';
import { Placeholder } from '../views/Placeholder';
// Views other than the Floor load on first use, so the Floor's start-up parses less script.
const ExceptionsView = lazy(() => import('../views/ExceptionsView').then((m) => ({ default: m.ExceptionsView })));
const WhatIfView = lazy(() => import('../views/WhatIfView').then((m) => ({ default: m.WhatIfView })));
const RulesView = lazy(() => import('../views/RulesView').then((m) => ({ default: m.RulesView })));
const DecisionsView = lazy(() => import('../views/DecisionsView').then((m) => ({ default: m.DecisionsView })));
const TimelineView = lazy(() => import('../views/TimelineView').then((m) => ({ default: m.TimelineView })));
const InboxView = lazy(() => import('../views/InboxView').then((m) => ({ default: m.InboxView })));
const ActionBoardView = lazy(() => import('../views/ActionBoardView').then((m) => ({ default: m.ActionBoardView })));
const AuditView = lazy(() => import('../views/AuditView').then((m) => ({ default: m.AuditView })));
import { countRender } from '../debug';

export function App() {
  countRender('App');
  const route = useRoute();
  const [help, setHelp] = useState(false);
  const [wall, setWall] = useState(() => new URLSearchParams(location.search).has('wall'));
  useShortcuts({ help, setHelp, wall, setWall });
  const current = routes.find((r) => r.id === route) ?? routes[0];

  useEffect(() => {
    document.title = `${current.title} · Takt`;
  }, [current.title]);
  useEffect(() => {
    if (route !== 'floor' && wall) setWall(false);
  }, [route, wall]);

  return (
    <div className={wall ? 'app wall-mode' : 'app'}>
      {!wall && <a className="skip-link" href="#main">Skip to content</a>}
      {!wall && <Header onToggleHelp={() => setHelp(!help)} />}
      {!wall && (
        <nav className="app-nav" aria-label="Views">
          <ul>
            {routes.map((r) => (
              <li key={r.id}>
                <a href={`#/${r.id}`} aria-current={r.id === route ? 'page' : undefined}>
                  <kbd aria-hidden="true">{r.key}</kbd> {r.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <main id="main" className="app-main" tabIndex={-1}>
        <h1 className={wall ? 'visually-hidden' : 'view-title'}>{current.title}</h1>
        <Suspense fallback={<p className="muted">Loading {current.title}…</p>}>
          {route === 'floor' ? (
            <FloorView wall={wall} />
          ) : route === 'exceptions' ? (
            <ExceptionsView />
          ) : route === 'what-if' ? (
            <WhatIfView />
          ) : route === 'decisions' ? (
            <DecisionsView />
          ) : route === 'timeline' ? (
            <TimelineView />
          ) : route === 'settings' ? (
            <RulesView />
          ) : route === 'inbox' ? (
            <InboxView />
          ) : route === 'board' ? (
            <ActionBoardView />
          ) : route === 'audit' ? (
            <AuditView />
          ) : (
            <Placeholder title={current.title} blurb={current.blurb} />
          )}
        </Suspense>
      </main>
      {wall && (
        <p className="wall-hint" aria-live="polite">
          Wall mode — press <kbd>w</kbd> or <kbd>Esc</kbd> to leave
        </p>
      )}
      {help && <ShortcutOverlay onClose={() => setHelp(false)} />}
    </div>
  );
}
