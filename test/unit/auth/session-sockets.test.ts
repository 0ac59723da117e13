/**
 * A socket does not outlive its session: the session store's `isLive` (no use counted, another
 * process's changes seen) and browser mode's watcher that closes a socket once its session ended.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebSocket } from 'ws';
import { openSessionStore } from '../../../main/core/auth/session-store';
import { watchSessionSockets, SESSION_ENDED_REASON } from '../../../main/core/hosts/browser/session-sockets';
import { SESSION_ENDED_CLOSE_CODE } from '../../../shared/auth/caller';

const dir = () => mkdtempSync(join(tmpdir(), 'takt-session-sockets-'));

describe('session store isLive', () => {
  it('is false once the session is idle, ended here, or ended by another store on the folder; checking is not use', () => {
    const d = dir();
    let t = 0;
    const s = openSessionStore(d, { now: () => t, policy: { idleMs: 100, absoluteMs: 10_000 }, touchEveryMs: 0 });
    const idle = s.create({ personId: 'A-001', via: 'password' }).session.hash;
    t = 60;
    expect(s.isLive(idle)).toBe(true);
    t = 120;
    // Only checked, never used: idle since creation.
    expect(s.isLive(idle)).toBe(false);

    const mine = s.create({ personId: 'A-002', via: 'password' });
    expect(s.isLive(mine.session.hash)).toBe(true);
    expect(s.end(mine.cookie)).toBe(true);
    expect(s.isLive(mine.session.hash)).toBe(false);

    // `takt users disable` from another process: its own store rewrites the file.
    const theirs = s.create({ personId: 'A-003', via: 'password' }).session.hash;
    expect(openSessionStore(d, { now: () => t }).endFor('A-003')).toBe(1);
    expect(s.isLive(theirs)).toBe(false);
    expect(s.isLive('0'.repeat(64))).toBe(false);

    // Use through a socket keeps a session from idling out.
    const worked = s.create({ personId: 'A-004', via: 'password' }).session.hash;
    t += 90;
    expect(s.used(worked)).toBe(true);
    t += 90;
    expect(s.isLive(worked)).toBe(true);
    t += 101;
    expect(s.isLive(worked)).toBe(false);
    expect(s.used(worked)).toBe(false);
  });
});

class FakeSocket extends EventEmitter {
  closedWith: [number, string] | null = null;
  terminated = false;
  close(code: number, reason: string) {
    this.closedWith = [code, reason];
  }
  terminate() {
    this.terminated = true;
  }
}

describe('watchSessionSockets', () => {
  afterEach(() => vi.useRealTimers());

  it('closes only the sockets whose session ended, with the session-ended code, on the timer or at once', () => {
    vi.useFakeTimers();
    const live = new Set(['a', 'b']);
    let ready = false;
    const used: string[] = [];
    const store = { isLive: (h: string) => live.has(h), used: (h: string) => (used.push(h), live.has(h)) };
    const w = watchSessionSockets(() => (ready ? store : null), 1000);
    const a = new FakeSocket();
    const b = new FakeSocket();
    w.add(a as unknown as WebSocket, 'a');
    w.add(b as unknown as WebSocket, 'b');
    live.delete('a');
    // Before the sessions are open nothing is judged.
    vi.advanceTimersByTime(1000);
    expect(a.closedWith).toBeNull();
    ready = true;
    vi.advanceTimersByTime(1000);
    expect(a.closedWith).toEqual([SESSION_ENDED_CLOSE_CODE, SESSION_ENDED_REASON]);
    expect(Buffer.byteLength(SESSION_ENDED_REASON)).toBeLessThanOrEqual(123);
    expect(b.closedWith).toBeNull();
    // A peer that does not finish the close handshake is cut off.
    vi.advanceTimersByTime(2000);
    expect(a.terminated).toBe(true);

    // At once, without waiting for the timer.
    live.delete('b');
    w.check();
    expect(b.closedWith?.[0]).toBe(SESSION_ENDED_CLOSE_CODE);

    // A socket that carried calls since the last check counts as use of its session.
    live.add('d');
    const d = new FakeSocket();
    w.add(d as unknown as WebSocket, 'd');
    w.check();
    expect(used).toEqual([]);
    d.emit('message', '{}');
    w.check();
    w.check();
    expect(used).toEqual(['d']);

    // A socket that closed by itself is forgotten.
    const c = new FakeSocket();
    w.add(c as unknown as WebSocket, 'c');
    c.emit('close');
    w.check();
    expect(c.closedWith).toBeNull();
    w.close();
  });
});
