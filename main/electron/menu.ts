/**
 * The application menu. Reload and DevTools exist only in development: in production the menu
 * has no reload role and no accelerator that would reload the control room under an operator.
 */
import { Menu } from 'electron';
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  isProduction: boolean;
  isMac: boolean;
  openWallDisplay(): void;
  closeWallDisplay(): void;
}

export function menuTemplate(a: MenuActions): MenuItemConstructorOptions[] {
  const view: MenuItemConstructorOptions[] = a.isProduction
    ? [{ role: 'togglefullscreen' }]
    : [{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' }, { role: 'togglefullscreen' }];
  const template: MenuItemConstructorOptions[] = [
    {
      label: 'File',
      submenu: [
        { id: 'open-wall-display', label: 'Open Wall Display', accelerator: 'CmdOrCtrl+Shift+W', click: () => a.openWallDisplay() },
        { id: 'close-wall-display', label: 'Close Wall Display', click: () => a.closeWallDisplay() },
        { type: 'separator' },
        a.isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { label: 'Edit', submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }] },
    { label: 'View', submenu: view },
    { role: 'windowMenu' },
  ];
  if (a.isMac) template.unshift({ role: 'appMenu' });
  return template;
}

export function installMenu(a: MenuActions): void {
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(a)));
}
