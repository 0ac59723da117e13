/**
 * Mounts the FloorScene into a div. The component renders once per plant; live state flows from the
 * TwinStore straight into the scene, never through React.
 */
import { useEffect, useRef, useState } from 'react';
import type { Plant } from '../../../shared/plant/schema';
import { useTwinStore } from '../twin/hooks';
import { FloorScene } from './FloorScene';
import { commands } from '../app/commands';
import { debugHooks } from '../debug';

export function FloorCanvas({ plant }: { plant: Plant | null }) {
  const host = useRef<HTMLDivElement>(null);
  const store = useTwinStore();
  const [scene, setScene] = useState<FloorScene | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const s = new FloorScene(el, store, { debug: debugHooks() });
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
    if (!scene) return;
    const dbg = debugHooks();
    if (dbg) dbg.fit = scene.fit;
    return commands.provide('fit', scene.fit);
  }, [scene]);

  return (
    <div className="floor-host" ref={host}>
      {error && <p className="floor-error" role="alert">{error}</p>}
      {!plant && !error && <p className="floor-wait">Waiting for the plant from the core…</p>}
    </div>
  );
}
