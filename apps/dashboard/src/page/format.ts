/** Number and time formats of the page; the epoch table's match the CLI's (epochTableRow). */
export const loss = (v: number): string => v.toFixed(6);
export const ratio = (v: number): string => v.toFixed(5);
export const duration = (seconds: number): string => `${seconds.toFixed(2)}s`;

/** 1h 02m 03s style. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m ${String(sec).padStart(2, '0')}s` : m > 0 ? `${m}m ${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

export function ago(ms: number, nowMs: number): string {
  return `${Math.max(0, (nowMs - ms) / 1000).toFixed(1)} s ago`;
}

/** Escapes text for innerHTML. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
