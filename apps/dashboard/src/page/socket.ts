/** The page's transport: a WebSocket to the dashboard that reopens itself with backoff. */
import { backoffDelay } from '@kfkd/runtime/backoff';
import { DEFAULT_BACKOFF } from '../shared/reconnect-delays.ts';
import { SOCKET_PATH, type ServerMessage } from '../shared/contract.ts';

export type SocketStatus = { readonly open: true } | { readonly open: false; readonly attempt: number; readonly retryInMs: number; readonly everOpened: boolean };

export function connectSocket(onMessage: (message: ServerMessage) => void, onStatus: (status: SocketStatus) => void): void {
  let attempt = 0;
  let everOpened = false;
  const open = (): void => {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${SOCKET_PATH}`;
    const socket = new WebSocket(url);
    socket.onopen = () => {
      attempt = 0;
      everOpened = true;
      onStatus({ open: true });
    };
    socket.onmessage = (e: MessageEvent<string>) => onMessage(JSON.parse(e.data) as ServerMessage);
    socket.onclose = () => {
      const retryInMs = backoffDelay(attempt++, DEFAULT_BACKOFF);
      onStatus({ open: false, attempt, retryInMs, everOpened });
      setTimeout(open, retryInMs);
    };
  };
  open();
}
