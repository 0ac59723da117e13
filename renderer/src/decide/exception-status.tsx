/** Priority and lifecycle-state badges: an icon shape AND a word, so nothing depends on colour alone. */
import type { ExceptionPriority, ExceptionState } from '../../../shared/decide/exceptions';
import { ShapePath } from '../app/StateIcon';
import type { Shape } from '../app/states';
import { isUnacknowledged, priorityLabel, stateLabel } from './format';

const PRIORITY: Record<ExceptionPriority, { shape: Shape; color: string }> = {
  critical: { shape: 'octagon', color: '#b01f1f' },
  high: { shape: 'triangle-up', color: '#a65f00' },
  medium: { shape: 'diamond', color: '#4f565d' },
  low: { shape: 'circle', color: '#7d848b' },
};

export function PriorityBadge({ priority }: { priority: ExceptionPriority }) {
  const p = PRIORITY[priority];
  return (
    <span className={`prio prio-${priority}`}>
      <svg className="state-icon" width={14} height={14} viewBox="0 0 16 16" aria-hidden="true" focusable="false">
        <ShapePath shape={p.shape} color={p.color} />
      </svg>
      <span>{priorityLabel[priority]}</span>
    </span>
  );
}

/** State icon: filled square = unacknowledged (needs someone), outline = acknowledged, others by shape. */
function StateGlyph({ state }: { state: ExceptionState }) {
  const c = '#2b3035';
  switch (state) {
    case 'active-unacknowledged':
      return <rect x="2" y="2" width="12" height="12" fill={c} />;
    case 'rtn-unacknowledged':
      return (
        <g>
          <rect x="2.75" y="2.75" width="10.5" height="10.5" fill="none" stroke={c} strokeWidth="1.5" />
          <rect x="5" y="5" width="6" height="6" fill={c} />
        </g>
      );
    case 'active-acknowledged':
      return <rect x="2.75" y="2.75" width="10.5" height="10.5" fill="none" stroke={c} strokeWidth="1.5" />;
    case 'shelved':
      return (
        <g fill={c}>
          <rect x="1" y="11" width="14" height="3" />
          <rect x="4" y="4" width="8" height="6" fill="none" stroke={c} strokeWidth="1.5" />
        </g>
      );
    case 'suppressed':
      return <line x1="2" y1="8" x2="14" y2="8" stroke={c} strokeWidth="2" />;
    case 'out-of-service':
      return (
        <g stroke={c} strokeWidth="2">
          <circle cx="8" cy="8" r="6" fill="none" />
          <line x1="4" y1="12" x2="12" y2="4" />
        </g>
      );
    default:
      return <circle cx="8" cy="8" r="3" fill={c} />;
  }
}

export function ExceptionStateBadge({ state }: { state: ExceptionState }) {
  const unack = isUnacknowledged(state);
  return (
    <span className={unack ? 'ex-state ex-unack' : 'ex-state'} data-state={state}>
      <svg className="state-icon" width={14} height={14} viewBox="0 0 16 16" aria-hidden="true" focusable="false">
        <StateGlyph state={state} />
      </svg>
      <span>{stateLabel[state]}</span>
    </span>
  );
}
