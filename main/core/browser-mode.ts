/**
 * Browser mode: the plant core in this Node process, serving the built renderer and the protocol
 * WebSocket (`/ws`) on one host:port. Binds to 127.0.0.1 unless told otherwise.
 */
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { startCore, CORE_VERSION, type CoreOptions, type TaktCore } from './core';
import { serveStatic } from './static-files';
import { wsTransport, WS_MAX_PAYLOAD } from './ws-transport';
import { packageRoot } from './package-root';
import { createHttpApi } from './http-api';

export interface BrowserModeOptions extends CoreOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  quiet?: boolean;
  /** POST /api/signals needs `Authorization: Bearer <token>` (default env TAKT_WEBHOOK_TOKEN). */
  webhookToken?: string;
  /** POST /api/signals needs `X-Takt-Signature: sha256=<HMAC-SHA256 of the body>` (default env TAKT_WEBHOOK_SECRET). */
  webhookSecret?: string;
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
  const webhookToken = opts.webhookToken ?? (process.env.TAKT_WEBHOOK_TOKEN || undefined);
  const webhookSecret = opts.webhookSecret ?? (process.env.TAKT_WEBHOOK_SECRET || undefined);
  const api = createHttpApi({ methods: core.methods, health: () => core.health(), version: CORE_VERSION, webhookToken, webhookSecret, log: opts.log });
  const server = createServer((req, res) => {
    try {
      // The HTTP API (/api/*, documented at /api/openapi.json), health included.
      if (api(req, res)) return;
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
