// The planner: pack and spread policies, exact host counts, consecutive ranks per host, clear rejections,
// and slot reservations that never oversubscribe a host (also with several planners at once).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { place, Planner, PlacementError } from '../cluster/planner.js';
import { embeddedState } from '../cluster/state/cluster-state.js';

const cap = (spec: Record<string, number>) => Object.entries(spec).map(([id, free]) => ({ id, free }));

describe('placement', () => {
  test('pack uses as few hosts as possible, biggest first', () => {
    assert.deepEqual(place({ np: 5, policy: 'pack' }, cap({ a: 2, b: 4, c: 3 })), ['b', 'b', 'b', 'b', 'c']);
    assert.deepEqual(place({ np: 3, policy: 'pack' }, cap({ a: 4, b: 4 })), ['a', 'a', 'a']);
  });

  test('spread is as even as free slots allow, with consecutive ranks per host', () => {
    assert.deepEqual(place({ np: 4, policy: 'spread' }, cap({ a: 4, b: 4 })), ['a', 'a', 'b', 'b']);
    assert.deepEqual(place({ np: 5, policy: 'spread' }, cap({ a: 1, b: 4, c: 4 })), ['a', 'b', 'b', 'c', 'c']);
  });

  test('a job may ask for an exact number of hosts', () => {
    assert.deepEqual(place({ np: 4, policy: 'pack', hosts: 2 }, cap({ a: 4, b: 4, c: 4 })), ['a', 'a', 'b', 'b']);
    assert.throws(() => place({ np: 4, policy: 'pack', hosts: 3 }, cap({ a: 4, b: 4 })), /asks for 3 hosts; the cluster has 8 free slots on 2 live host\(s\)/);
    assert.throws(() => place({ np: 2, policy: 'pack', hosts: 3 }, cap({ a: 4, b: 4, c: 4 })), /2 ranks cannot use 3 hosts/);
  });

  test('a job that does not fit is rejected, saying what it needs and what there is', () => {
    assert.throws(() => place({ np: 9, policy: 'spread' }, cap({ a: 4, b: 4 })), (e: Error) =>
      e instanceof PlacementError && /needs 9 slots; the cluster has 8 free slots on 2 live host\(s\): a 4, b 4/.test(e.message));
    assert.throws(() => place({ np: 1, policy: 'pack' }, []), /no live hosts/);
    assert.throws(() => place({ np: 0, policy: 'pack' }, cap({ a: 1 })), /positive integer/);
  });
});

describe('planner over cluster state', () => {
  test('reserves slots, releases them, and never oversubscribes with planners racing', async () => {
    const state = embeddedState('plan');
    await state.registerHost({ id: 'a', address: 'a:1', slots: 4, startedAt: 0 }, 60_000);
    await state.registerHost({ id: 'b', address: 'b:1', slots: 4, startedAt: 0 }, 60_000);
    const planners = [new Planner(state), new Planner(state), new Planner(state)];
    const results = await Promise.allSettled(planners.flatMap((p) => [p.placeJob({ np: 2, policy: 'pack' }), p.placeJob({ np: 2, policy: 'spread' })]));
    const placed = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<string[]>).value);
    assert.equal(placed.length, 4, 'four 2-rank jobs fit in 8 slots');
    assert.ok(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason instanceof PlacementError));
    assert.equal(await state.usedSlots('a'), 4);
    assert.equal(await state.usedSlots('b'), 4);
    await planners[0].release(placed[0]);
    assert.equal((await state.usedSlots('a')) + (await state.usedSlots('b')), 6);
    await state.close();
  });

  test('a dead host is not used, and its slots are given back', async () => {
    const state = embeddedState('dead');
    await state.registerHost({ id: 'a', address: 'a:1', slots: 2, startedAt: 0 }, 60_000);
    await state.registerHost({ id: 'b', address: 'b:1', slots: 2, startedAt: 0 }, 50);
    const planner = new Planner(state);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(await planner.placeJob({ np: 2, policy: 'spread' }), ['a', 'a']);
    await assert.rejects(planner.placeJob({ np: 1, policy: 'pack' }), /needs 1 slots; the cluster has 0 free slots on 1 live host\(s\): a 0/);
    await state.close();
  });
});
