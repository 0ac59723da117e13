/**
 * Level 1–4 display: the whole floor on the canvas (drill into an area, a line, a machine or an
 * order), the drill-down bar, tooltips and the detail drawer over it, the legend, and the line
 * table beside it. Wall mode: the canvas and the legend only, large type, always fitted.
 */
import { FloorCanvas } from '../floor/FloorCanvas';
import { WallBoard } from '../floor/WallBoard';
import { LineTable } from '../floor/LineTable';
import { DrillBar, Drawer, Tooltip } from '../floor/Overlays';
import { Legend } from '../app/Legend';
import { usePlant } from '../app/ClientContext';
import { countRender } from '../debug';
import { TravelBanner } from '../timeline/travel';

export function FloorView({ wall }: { wall: boolean }) {
  countRender('FloorView');
  const plant = usePlant();
  const timeZone = plant?.site.timezone ?? 'UTC';
  return (
    <div className={wall ? 'floor-view wall' : 'floor-view'}>
      <div className="floor-main">
        <TravelBanner timeZone={timeZone} />
        <FloorCanvas plant={plant} wall={wall} />
        {wall && <WallBoard plant={plant} />}
        {!wall && <DrillBar plant={plant} />}
        {!wall && <Tooltip plant={plant} />}
        {!wall && <Drawer plant={plant} timeZone={timeZone} />}
      </div>
      <Legend />
      {!wall && <LineTable plant={plant} timeZone={timeZone} />}
    </div>
  );
}
