/** CPU time of other processes, from /proc (Linux). */
import { readFileSync } from 'node:fs';

/** CPU seconds (user + system, all threads) a process has used so far; NaN where there is no /proc or no such process. */
export function cpuSecondsOf(pid: number | undefined): number {
  try {
    // Fields after the command name: state is field 3, utime 14, stime 15 (clock ticks, 100 per second on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}
