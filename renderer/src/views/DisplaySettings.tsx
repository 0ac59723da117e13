/**
 * Settings ▸ Display: how this console draws the Floor (pixi's Canvas or WebGL renderer, see
 * floor/pixi/floor-renderer.ts). Stored per console in localStorage; the Floor picks it up when the
 * page loads, so the choice offers a reload (nothing is lost: the state lives in the core).
 */
import { useState } from 'react';
import { floorRendererKind, storedFloorRenderer, storeFloorRenderer, type FloorRendererKind } from '../floor/pixi/floor-renderer';

const choices: { value: FloorRendererKind; label: string; hint: string }[] = [
  { value: 'canvas', label: '2D canvas (default)', hint: 'best on PCs without a graphics card; also fine with one' },
  { value: 'webgl', label: 'WebGL', hint: 'for a wall PC with a graphics card, where it measures faster' },
];

export function DisplaySettings() {
  const [saved, setSaved] = useState<FloorRendererKind>(() => floorRendererKind('', storedFloorRenderer()));
  // What this page runs with (a `?renderer=` in the URL wins over the stored choice).
  const [running] = useState<FloorRendererKind>(() => floorRendererKind(location.search, storedFloorRenderer()));
  const fromUrl = new URLSearchParams(location.search).has('renderer');
  const choose = (v: FloorRendererKind) => {
    if (storeFloorRenderer(v)) setSaved(v); // storage blocked: the choice cannot be kept
  };
  return (
    <fieldset data-testid="display-settings">
      <legend>Floor drawing</legend>
      {choices.map((c) => (
        <label key={c.value} style={{ display: 'block' }}>
          <input type="radio" name="floor-renderer" value={c.value} checked={saved === c.value} onChange={() => choose(c.value)} /> {c.label} <span className="muted">— {c.hint}</span>
        </label>
      ))}
      {saved !== running && (
        <p role="status">
          This console draws with {running === 'canvas' ? 'the 2D canvas' : 'WebGL'}{' '}
          {fromUrl ? (
            <>because its address says <code>?renderer={running}</code>.</>
          ) : (
            <>
              until the page is reloaded.{' '}
              <button type="button" onClick={() => location.reload()}>
                Reload now
              </button>
            </>
          )}
        </p>
      )}
    </fieldset>
  );
}
