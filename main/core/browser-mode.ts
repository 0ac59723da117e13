/**
 * Browser mode: the plant core in this Node process, serving the built renderer and the protocol
 * WebSocket (`/ws`) on one host:port. Binds to 127.0.0.1 unless told otherwise.
 */
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { startCore, type CoreOptions, type TaktCore } from './core';
import { serveStatic } from './static-files';
import { wsTransport, WS_MAX_PAYLOAD } from './ws-transport';
import { packageRoot } from './package-root';

export interface BrowserModeOptions extends CoreOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  quiet?: boolean;
}

export interface BrowserMode {
  url: string;
  core: TaktCore;
  server: Server;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 4870;

export async function startBrowserMode(opts: BrowserModeOptions): Promise<BrowserMode> {
  const host = opts.host ?? '127.0.0.1';
  const rendererDir = join(packageRoot(), 'dist', 'renderer');
  if (!existsSync(join(rendererDir, 'index.html'))) throw new Error(`the renderer is not built (${rendererDir} is missing): run \`npm run build\` first`);
  const core = await startCore(opts);
  const server = createServer((req, res) => {
    try {
      if (req.url === '/api/health') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(core.health()));
        return;
      }
      if (serveStatic(rendererDir, req, res)) return;
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${req.url}`);
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`internal error: ${(e as Error).message}`);
    }
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_MAX_PAYLOAD });
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => ws.terminate());
      core.connect(wsTransport(ws));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? new Error(`port ${opts.port} on ${host} is in use: pick another with --port`) : e),
    );
    server.listen(opts.port ?? DEFAULT_PORT, host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  return {
    url,
    core,
    server,
    async close() {
      wss.clients.forEach((c) => c.terminate());
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
      await core.close();
    },
  };
}
