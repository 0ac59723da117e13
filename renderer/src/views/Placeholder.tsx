/** A view that a later issue fills. */
export function Placeholder({ blurb }: { title: string; blurb: string }) {
  return (
    <div className="placeholder">
      <p>{blurb}</p>
      <p className="muted">Coming in a later issue.</p>
    </div>
  );
}
