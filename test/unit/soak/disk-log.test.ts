import { describe, expect, it } from 'vitest';
import { diskFullReport } from '../../../bench/soak/disk-log';

const dir = '/tmp/soak/run/data';

describe('diskFullReport', () => {
  it('takes the first part of the core that names the full disk and its folder', () => {
    const log = [
      'store mirror: exception changes not written to the store: database or disk is full',
      `decide: saving ${dir}/exceptions.json failed: ENOSPC: no space left on device, write`,
      `the journal cannot be written (SQLITE_FULL) in ${dir}: signals are not accepted or acknowledged until there is space again`,
    ].join('\n');
    expect(diskFullReport(log, dir)).toMatch(/^decide: saving/);
  });

  it('accepts the journal pause on its own', () => {
    expect(diskFullReport(`x\nthe journal cannot be written (SQLITE_IOERR_SHMSIZE: disk I/O error) in ${dir}: retrying each second`, dir)).toMatch(/^the journal/);
  });

  it('does not count a line that says the disk is full but not where, nor one about another folder', () => {
    expect(diskFullReport('store mirror: exception changes not written to the store: database or disk is full', dir)).toBeUndefined();
    expect(diskFullReport('decide: saving /elsewhere/exceptions.json failed: ENOSPC: no space left on device', dir)).toBeUndefined();
    expect(diskFullReport(`takt: started in ${dir}`, dir)).toBeUndefined();
  });
});
