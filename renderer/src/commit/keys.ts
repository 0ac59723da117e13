/**
 * Keyboard for the card views (listed in the `?` overlay, app/Shortcuts.tsx): `j`/`k` move focus
 * to the next/previous action card; on a focused card `a`, `s`, `d` press its Acknowledge, Start
 * and Done buttons (only when enabled, so the same rules as a tap apply). View-specific keys come
 * in `extra`. Ignored while typing in a field, like the global shortcuts.
 */
import { useEffect, useRef } from 'react';

const MOVE_KEYS: Record<string, string> = { a: 'acknowledge', s: 'start', d: 'done' };

function typing(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  return !!t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));
}

export function useCardKeys(extra: Record<string, () => void> = {}, withMoves = true): void {
  const ref = useRef(extra);
  ref.current = extra;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typing(e)) return;
      const key = e.key.toLowerCase();
      const cards = [...document.querySelectorAll<HTMLElement>('[data-card-nav]')];
      const current = (document.activeElement as HTMLElement | null)?.closest<HTMLElement>('[data-card-nav]') ?? null;
      if (key === 'j' || key === 'k') {
        if (!cards.length) return;
        const i = current ? cards.indexOf(current) : -1;
        const next = cards[Math.max(0, Math.min(cards.length - 1, key === 'j' ? i + 1 : i < 0 ? 0 : i - 1))]!;
        next.focus();
        next.scrollIntoView({ block: 'nearest' });
      } else if (withMoves && MOVE_KEYS[key] && current) {
        const b = current.querySelector<HTMLButtonElement>(`button[data-move="${MOVE_KEYS[key]}"]`);
        if (!b || b.disabled) return;
        b.click();
      } else if (ref.current[key]) ref.current[key]();
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [withMoves]);
}
