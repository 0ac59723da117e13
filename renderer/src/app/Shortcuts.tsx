/** Global keyboard shortcuts and their overlay (`?`). Ignored while typing in a field. */
import { useEffect, useRef } from 'react';
import { routes, navigate } from './routes';
import { commands } from './commands';

export const shortcutList: { keys: string; what: string }[] = [
  ...routes.map((r) => ({ keys: r.key, what: `Go to ${r.title}` })),
  { keys: 'f', what: 'Fit the floor to the screen' },
  { keys: 'w', what: 'Wall mode on/off (floor only, no chrome)' },
  { keys: '← ↑ → ↓  + −  0', what: 'Pan, zoom, fit (when the floor canvas has focus)' },
  { keys: '[  ]', what: 'Previous / next area, line or machine (floor canvas)' },
  { keys: 'Enter', what: 'Drill down: plant ▸ area ▸ line ▸ machine (floor canvas)' },
  { keys: 'j  k', what: 'Inbox, board: next / previous action card' },
  { keys: 'a  s  d', what: 'Inbox: acknowledge / start / done the focused action card' },
  { keys: 'o', what: 'Action board: open actions only / all' },
  { keys: 'v', what: 'Audit log: check the hash chains again' },
  { keys: '?', what: 'Show or hide this list' },
  { keys: 'Esc', what: 'Close this list / go up one level (close the drawer) / leave wall mode' },
];

function typing(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  return !!t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));
}

export function useShortcuts(o: { help: boolean; setHelp(v: boolean): void; wall: boolean; setWall(v: boolean): void }) {
  const ref = useRef(o);
  ref.current = o;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typing(e)) return;
      const s = ref.current;
      const route = routes.find((r) => r.key === e.key);
      if (route) {
        navigate(route.id);
        if (s.help) s.setHelp(false);
      } else if (e.key === '?') s.setHelp(!s.help);
      else if (e.key === 'Escape') {
        if (s.help) s.setHelp(false);
        else if (!s.wall && commands.run('up')) {
          /* went up one drill-down level */
        } else if (s.wall) s.setWall(false);
        else return;
      } else if (e.key === 'f' || e.key === 'F') commands.run('fit');
      else if (e.key === 'w' || e.key === 'W') {
        navigate('floor');
        s.setWall(!s.wall);
      } else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

export function ShortcutOverlay({ onClose }: { onClose(): void }) {
  const dialog = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    dialog.current?.focus();
    return () => before?.focus?.();
  }, []);
  return (
    <div className="overlay" onClick={onClose}>
      <div className="overlay-panel" role="dialog" aria-modal="true" aria-labelledby="shortcuts-title" tabIndex={-1} ref={dialog} onClick={(e) => e.stopPropagation()}>
        <h2 id="shortcuts-title">Keyboard shortcuts</h2>
        <table className="shortcut-table">
          <tbody>
            {shortcutList.map((s) => (
              <tr key={s.keys}>
                <th scope="row">
                  {s.keys.split(/\s{2}/).map((k) => (
                    <kbd key={k}>{k}</kbd>
                  ))}
                </th>
                <td>{s.what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
