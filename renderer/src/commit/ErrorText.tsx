/**
 * The core's refusal, shown as it is, but readable: a long message (a storage error can carry a
 * whole document) shows its first lines, with the rest behind "Details".
 */
const SHORT = 280;

export function ErrorText({ text, testId }: { text: string; testId?: string }) {
  const long = text.length > SHORT;
  return (
    <div className="ex-error cm-error" role="alert" data-testid={testId}>
      <p>{long ? `${text.slice(0, SHORT).trimEnd()}…` : text}</p>
      {long && (
        <details>
          <summary>Details</summary>
          <pre>{text}</pre>
        </details>
      )}
    </div>
  );
}
