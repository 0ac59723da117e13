/** The abnormal-state shape as inline SVG (the canvas draws the same shapes in FloorScene). */
import { presentation, type Shape } from './states';

export function ShapePath({ shape, color }: { shape: Shape; color: string }) {
  switch (shape) {
    case 'octagon':
      return <polygon points="4.7,1 11.3,1 15,4.7 15,11.3 11.3,15 4.7,15 1,11.3 1,4.7" fill={color} />;
    case 'diamond':
      return <polygon points="8,1 15,8 8,15 1,8" fill={color} />;
    case 'circle':
      return <circle cx="8" cy="8" r="6.5" fill={color} />;
    case 'triangle-down':
      return <polygon points="1,2 15,2 8,15" fill={color} />;
    case 'triangle-up':
      return <polygon points="8,1 15,14 1,14" fill={color} />;
    case 'pause':
      return (
        <g fill={color}>
          <rect x="2" y="1" width="4.5" height="14" />
          <rect x="9.5" y="1" width="4.5" height="14" />
        </g>
      );
    case 'question':
      return (
        <g>
          <circle cx="8" cy="8" r="6.5" fill="none" stroke={color} strokeWidth="2" />
          <text x="8" y="12" textAnchor="middle" fontSize="10" fontWeight="700" fill={color}>
            ?
          </text>
        </g>
      );
    default:
      return <rect x="4" y="4" width="8" height="8" fill="none" stroke={color} strokeWidth="1.5" />;
  }
}

export function StateIcon({ status, size = 14 }: { status: string; size?: number }) {
  const p = presentation(status);
  return (
    <svg className="state-icon" width={size} height={size} viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <ShapePath shape={p.shape} color={p.color} />
    </svg>
  );
}

/** Icon + word: the way a status is shown everywhere outside the canvas. */
export function StatusBadge({ status }: { status: string }) {
  const p = presentation(status);
  return (
    <span className={p.abnormal ? 'status status-abnormal' : 'status'} style={p.abnormal ? { color: p.color } : undefined}>
      <StateIcon status={status} />
      <span className="status-word">{p.label}</span>
    </span>
  );
}
