import { expect, it } from 'vitest';
import type { ServerEvents, SessionInfo } from '../../../schemas/protocol.ts';
import { eventually } from '../../helpers/eventually.ts';
import { api, call, connect, ok } from '../../integration/helpers.ts';
import {
  clusterOf,
  createSession,
  expectTurnsComplete,
  metric,
  transcript,
  type ClusterFixture,
} from './cluster-fixture.ts';

/**
 * The owner failures every cluster backend must survive: an owner killed mid-turn, and an owner
 * paused past its lease whose late writes the store must refuse (fencing). Registered by each
 * suite for its backend; `fixture()` is read when a case runs (the suite starts it in beforeAll).
 */
export function failoverCases(fixture: () => ClusterFixture): void {
  it('continues a session on a survivor when its owner is killed mid-turn', async () => {
    const { gate, members, sockets, alive, memberOf } = fixture();
    const session = await createSession(members[0], 'slow');
    const owner = memberOf(session.owner)!;
    const survivor = alive().find((m) => m !== owner)!;
    const watcher = await connect(survivor.url);
    sockets.push(watcher);
    ok(await call(watcher, 'session:join', { sessionId: session.id }));
    const turnEnds: ServerEvents['turn_end'][] = [];
    watcher.on('turn_end', (e: ServerEvents['turn_end']) => turnEnds.push(e));

    gate.hold = true;
    const before = gate.received;
    expect(
      (
        await api(owner.url, 'POST', `/api/sessions/${session.id}/messages`, {
          body: { content: 'first', messageId: 'msg-first' },
        })
      ).status,
    ).toBe(202);
    await gate.waitForRequests(before + 1); // the owner is inside the model call: mid-turn
    owner.child.kill('SIGKILL');
    await owner.exited;
    gate.hold = false;
    gate.releaseAll();

    // A survivor takes the session over and runs the interrupted turn again.
    const taken = await eventually(
      () => api(survivor.url, 'GET', `/api/sessions/${session.id}`).then((r) => r.json as SessionInfo),
      (s) => s.owner !== undefined && s.owner !== owner.id && s.turns === 1,
      'a survivor to finish the turn',
    );
    expect(alive().map((m) => m.id)).toContain(taken.owner);
    // The client on a survivor saw the turn end, and the client may resend without a duplicate.
    await eventually(
      async () => turnEnds.length,
      (n) => n >= 1,
      'turn_end on the survivor client',
      10_000,
    );
    expect(
      (
        await api(survivor.url, 'POST', `/api/sessions/${session.id}/messages`, {
          body: { content: 'first', messageId: 'msg-first' },
        })
      ).status,
    ).toBe(202);
    const second = await api(survivor.url, 'POST', `/api/sessions/${session.id}/messages`, {
      body: { content: 'second', wait: true },
    });
    expect(second.status).toBe(200);

    expectTurnsComplete(await transcript(survivor, session.id), ['first', 'second'], (c) => `done: ${c}`);
    expect((await api(survivor.url, 'GET', `/api/sessions/${session.id}`)).json).toMatchObject({
      turns: 2,
      state: 'idle',
    });
    expect((await clusterOf(survivor)).map((p) => p.id)).not.toContain(owner.id);
  });

  it('fences off the late writes of an owner stopped past its lease', async () => {
    const { gate, alive, memberOf, startMember } = fixture();
    if (alive().length < 3) await startMember();
    const session = await createSession(alive()[0], 'slow');
    const owner = memberOf(session.owner)!;
    const other = alive().find((m) => m !== owner)!;

    gate.hold = true;
    const before = gate.received;
    expect(
      (
        await api(other.url, 'POST', `/api/sessions/${session.id}/messages`, {
          body: { content: 'paused', messageId: 'msg-paused' },
        })
      ).status,
    ).toBe(202);
    await gate.waitForRequests(before + 1);
    owner.child.kill('SIGSTOP');
    try {
      // Past the lease, another process takes over and asks the model again.
      await gate.waitForRequests(before + 2);
      gate.hold = false;
      gate.releaseAll(); // answers the stopped owner too: it reads the answer when it wakes
      const done = await eventually(
        () => api(other.url, 'GET', `/api/sessions/${session.id}`).then((r) => r.json as SessionInfo),
        (s) => s.turns === 1 && s.state === 'idle',
        'the new owner to finish the turn',
      );
      expect(done.owner).not.toBe(owner.id);
    } finally {
      owner.child.kill('SIGCONT');
    }
    // Awake, the old owner finishes its stale turn and tries to save it: the fence says no.
    await eventually(
      () => metric(owner, 'switchboard_cluster_stale_writes_total'),
      (n) => n >= 1,
      'the stale write to be rejected',
    );
    await eventually(
      () => metric(owner, 'switchboard_cluster_owned_sessions'),
      (n) => n === 0 || Number.isNaN(n),
      'the old owner to drop the session',
      10_000,
    );
    expectTurnsComplete(await transcript(other, session.id), ['paused'], (c) => `done: ${c}`);
    const after = await api(owner.url, 'POST', `/api/sessions/${session.id}/messages`, {
      body: { content: 'again', wait: true },
    });
    expect(after.status).toBe(200);
    expectTurnsComplete(await transcript(owner, session.id), ['paused', 'again'], (c) => `done: ${c}`);
  });
}
