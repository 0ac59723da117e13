import { useCoreData } from '../app/ClientContext';

/** The plant time now, from the core's status stream (falls back to the info clock). */
export function usePlantNow(): number {
  const { status, info } = useCoreData();
  return status?.time ?? info?.clock.now ?? 0;
}
