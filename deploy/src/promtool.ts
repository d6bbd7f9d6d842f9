/** Whether Debian's promtool (package `prometheus`, which .ci/run installs) is on PATH, for the tests that run it. */
import { spawnSync } from 'node:child_process';

export const hasPromtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;

/** The name of a suite that runs promtool: says why it is skipped when promtool is missing. */
export const PROMTOOL_SUITE = hasPromtool
  ? 'promtool'
  : 'promtool (SKIPPED: promtool is not installed; apt-get install prometheus to check the alert rules and the dashboard queries with it)';
