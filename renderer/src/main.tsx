/**
 * The renderer's one entry point, for both shells: Electron (MessagePort from the preload) and
 * browser mode (WebSocket to /ws). The connection and the twin mirror live outside React.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Connection } from './transport/connection';
import { waitForElectronPort } from './transport/messageport';
import { TwinMirror } from './twin/twin-mirror';
import { ClientProvider } from './app/ClientContext';
import { App } from './app/App';
import { installDebug } from './debug';
import { prewarmFloor } from './floor/FloorScene';
import { parseHash } from './app/routes';
import './styles.css';
import { onPersonChange, recheckSession } from './app/session';
import { onSessionEnded } from './transport/websocket';
import { DesktopSignInGate } from './app/DesktopSignIn';

// Listen for the preload's port before anything else, so its message cannot be missed.
if (window.takt?.shell === 'electron') void waitForElectronPort().catch(() => undefined);

const store = new TwinMirror();
installDebug(store);
const connection = new Connection().start();
// Another person signed in (a hand-over in another tab): the socket acts as its session, so renew it.
onPersonChange(() => connection.renew());
// The core closed the socket because its session ended: sign in again rather than retry.
onSessionEnded(recheckSession);
// Start the WebGL renderer while the connection opens and the plant loads.
if (parseHash(location.hash) === 'floor') prewarmFloor();

const console_ = (
  <ClientProvider connection={connection} store={store}>
    <App />
  </ClientProvider>
);
createRoot(document.getElementById('root')!).render(
  // The desktop window signs in on its channel before it shows anything of the floor; a browser has signed in at /signin to get this page.
  <StrictMode>{window.takt?.shell === 'electron' ? <DesktopSignInGate connection={connection}>{console_}</DesktopSignInGate> : console_}</StrictMode>,
);
