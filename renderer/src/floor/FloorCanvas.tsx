/**
 * Mounts the FloorScene into a div. The component renders once per plant (and wall switch); live
 * state flows from the TwinMirror straight into the scene, never through React. `?tokens=N` in the
 * page URL sets the WIP token budget (the render benchmark uses it).
 */
import { memo, useEffect, useRef, useState } from 'react';
import type { Plant } from '../../../shared/plant/schema';
import { useTwinMirror } from '../twin/slices';
import { FloorScene } from './FloorScene';
import { commands } from '../app/commands';
import { countRender, debugHooks } from '../debug';
import { drillUp } from './focus';
import { taktProbe } from './scene/probe';

function tokenBudget(): number | undefined {
  const t = Number(new URLSearchParams(location.search).get('tokens'));
  return Number.isFinite(t) && t > 0 ? Math.min(50_000, Math.round(t)) : undefined;
}

export const FloorCanvas = memo(function FloorCanvas({ plant, wall }: { plant: Plant | null; wall: boolean }) {
  countRender('FloorCanvas');
  const host = useRef<HTMLDivElement>(null);
  const store = useTwinMirror();
  const [scene, setScene] = useState<FloorScene | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const s = new FloorScene(el, store, { probe: taktProbe(debugHooks()), tokenBudget: tokenBudget() });
    let live = true;
    s.init().then(
      () => live && setScene(s),
      (e: Error) => live && setError(`The floor canvas could not start (${e.message}). The line table below still shows every line.`),
    );
    return () => {
      live = false;
      setScene(null);
      s.destroy();
    };
  }, [store]);

  useEffect(() => {
    if (scene && plant) scene.setPlant(plant);
  }, [scene, plant]);

  useEffect(() => {
    scene?.setWall(wall);
  }, [scene, wall]);

  useEffect(() => {
    if (!scene) return;
    const dbg = debugHooks();
    if (dbg) dbg.fit = scene.fit;
    const offFit = commands.provide('fit', scene.fit);
    const offUp = commands.provide('up', drillUp);
    return () => {
      offFit();
      offUp();
    };
  }, [scene]);

  return (
    <div className="floor-host" ref={host}>
      {error && <p className="floor-error" role="alert">{error}</p>}
      {!plant && !error && <p className="floor-wait">Waiting for the plant from the core…</p>}
    </div>
  );
});
