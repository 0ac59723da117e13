/** Hash routes: `#/floor`, `#/exceptions`… Keys 1–9 follow this order. */
import { useSyncExternalStore } from 'react';

export const routes = [
  { id: 'floor', title: 'Floor', key: '1', blurb: 'The live twin: areas, lines and machines.' },
  { id: 'exceptions', title: 'Exceptions', key: '2', blurb: 'Business exceptions with their ISA-18.2 lifecycle: acknowledge, shelve, resolve.' },
  { id: 'what-if', title: 'What-if', key: '3', blurb: 'Fork the twin, try options and compare their simulated outcomes.' },
  { id: 'decisions', title: 'Decisions & actions', key: '4', blurb: 'Decision receipts, approvals and the actions dispatched to people and systems.' },
  { id: 'timeline', title: 'Timeline', key: '5', blurb: 'Orders per line over time: plan against actual, changeovers and holds.' },
  { id: 'settings', title: 'Settings & connectors', key: '6', blurb: 'Connectors to ERP, MES and the shop floor, and console settings.' },
  { id: 'inbox', title: 'Inbox', key: '7', blurb: 'Your actions and your role’s: acknowledge, start, done, blocked.' },
  { id: 'board', title: 'Action board', key: '8', blurb: 'Every dispatched action by owner and status.' },
  { id: 'audit', title: 'Audit log', key: '9', blurb: 'Hash-chained audit entries and the chain check.' },
] as const;

export type RouteId = (typeof routes)[number]['id'];

export function parseHash(hash: string): RouteId {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return (routes.find((r) => r.id === id)?.id ?? 'floor') as RouteId;
}

export function navigate(id: RouteId): void {
  if (parseHash(location.hash) !== id || !location.hash) location.hash = `#/${id}`;
}

const subscribe = (cb: () => void) => {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
};

export function useRoute(): RouteId {
  return useSyncExternalStore(subscribe, () => parseHash(location.hash));
}
