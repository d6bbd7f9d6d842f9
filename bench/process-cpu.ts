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

/** CPU seconds all cores of the machine have been busy so far (everything but idle and iowait: other processes, the kernel's softirq work too). */
export function machineBusySeconds(): number {
  // cpu  user nice system idle iowait irq softirq steal ... (clock ticks)
  const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
  return (total - ticks[3] - ticks[4]) / 100;
}
