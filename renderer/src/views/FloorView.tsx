/** Level 1–2 display: the whole floor on the canvas, the line table beside it, the legend. */
import { FloorCanvas } from '../floor/FloorCanvas';
import { LineTable } from '../floor/LineTable';
import { Legend } from '../app/Legend';
import { useCoreData } from '../app/ClientContext';

export function FloorView({ wall }: { wall: boolean }) {
  const { plant } = useCoreData();
  return (
    <div className={wall ? 'floor-view wall' : 'floor-view'}>
      <div className="floor-main">
        <FloorCanvas plant={plant} />
      </div>
      <Legend />
      {!wall && <LineTable plant={plant} timeZone={plant?.site.timezone ?? 'UTC'} />}
    </div>
  );
}
