/**
 * Where the suites put data folders: /dev/shm (memory) when it is there with room, else the OS
 * temp folder. A test app's data folder is a copy of the migrated template, about 1,200 files and
 * 41 MB (16 MB of it the one WAL segment); here `cp -R` of it took about 670 ms into /tmp (ext4)
 * and 80 ms into /dev/shm, and the unit suite makes some sixty of them. A container's default
 * /dev/shm (64 MB) has no room for two at once, hence the check.
 */
import { statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';

const SHM = '/dev/shm';
const ROOM = 2 * 1024 ** 3;

function pick(): string {
  try {
    const fs = statfsSync(SHM);
    if (fs.bavail * fs.bsize >= ROOM) return SHM;
  } catch {
    // No /dev/shm (not Linux): the temp folder.
  }
  return tmpdir();
}

export const SCRATCH = pick();
