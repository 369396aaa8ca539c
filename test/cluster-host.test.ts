// `faasmpi host` processes in a cluster sharing a real Redis: they register and heartbeat, a killed host drops
// out (its slots released) and rejoins when restarted; a host needs its certificate, and one started as root runs
// as an unprivileged account.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { credentialFilesIn, loadCredentials } from '../cluster/trust/credentials.js';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { redisState } from '../cluster/state/cluster-state.js';
import { faasmpi, listHosts as listTestHosts, startHost as startTestHost, TestCA, until, type TestHost } from './cluster-hosts.js';
import { startRedis, type RedisServer } from './redis-server.js';

const ca = new TestCA();
const startHost = (redis: string, id: string) =>
  startTestHost({ id, redis, cluster: 'hosts-test', ca, extra: ['--slots', '4', '--heartbeat-ms', '100', '--ttl-ms', '400'] });
const listHosts = (redis: string) => listTestHosts(redis, 'hosts-test');

describe('faasmpi host processes', () => {
  let redis: RedisServer;
  const hosts: TestHost[] = [];
  before(async () => { redis = await startRedis(); });
  after(async () => {
    for (const h of hosts) h.child.kill('SIGKILL');
    await redis?.stop();
  });

  test('hosts register; a killed host drops out with its slots released, and rejoins when restarted', { timeout: 30_000 }, async () => {
    hosts.push(await startHost(redis.url, 'h1'), await startHost(redis.url, 'h2'));
    await until('both hosts are listed', () => listHosts(redis.url).join(',') === 'h1,h2');
    const state = await redisState(redis.url, 'hosts-test');
    try {
      assert.equal(await state.reserveSlots('h2', 3, 4), true);
      hosts[1].child.kill('SIGKILL');
      const t0 = Date.now();
      await until('the killed host is gone', () => listHosts(redis.url).join(',') === 'h1');
      assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
      assert.equal(await state.usedSlots('h2'), 0, "the dead host's slots are released");
      hosts.push(await startHost(redis.url, 'h2'));
      await until('the restarted host is back', () => listHosts(redis.url).join(',') === 'h1,h2');
    } finally {
      await state.close();
    }
  });

  test('a host started as root runs as nobody (checked in /proc), its data directory handed over', { skip: process.getuid!() !== 0 ? 'needs root' : false }, () => {
    const status = readFileSync(`/proc/${hosts[0].child.pid}/status`, 'utf8');
    assert.match(status, /^Uid:\s+65534\s+65534\s+65534\s+65534$/m, status);
    assert.match(status, /^Gid:\s+65534\s/m);
    assert.match(status, /^Groups:\s*65534\s*$/m);
  });

  test('faasmpi certs writes keys 0600 in 0700 directories, and a host certificate names its role and id', () => {
    const dir = ca.host('h5');
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(join(dir, 'key.pem')).mode & 0o777, 0o600);
    assert.equal(statSync(join(ca.dir, 'ca-key.pem')).mode & 0o777, 0o600);
    assert.deepEqual(loadCredentials(credentialFilesIn(dir), 'host').identity, { role: 'host', name: 'h5' });
    const again = spawnSync(faasmpi, ['certs', 'init', '--dir', ca.dir], { encoding: 'utf8' });
    assert.equal(again.status, 2);
    assert.match(again.stderr, /already holds a CA/);
  });

  test('a host without credentials, with a user certificate, or with an --id its certificate does not name, does not start', () => {
    const data = ['--data-dir', ca.dir + '/data'];
    const none = spawnSync(faasmpi, ['host', '--port', '0', ...data], { encoding: 'utf8' });
    assert.equal(none.status, 2);
    assert.match(none.stderr, /--tls-dir DIR is required/);
    const user = spawnSync(faasmpi, ['host', '--port', '0', '--tls-dir', ca.user('eve'), ...data], { encoding: 'utf8' });
    assert.equal(user.status, 2, user.stderr);
    assert.match(user.stderr, /certificate of user eve; a host certificate is needed/);
    const other = spawnSync(faasmpi, ['host', '--port', '0', '--tls-dir', ca.host('h7'), '--id', 'h1', ...data], { encoding: 'utf8' });
    assert.equal(other.status, 2);
    assert.match(other.stderr, /--id h1: this host's certificate names host h7/);
    const slash = spawnSync(faasmpi, ['host', '--port', '0', '--tls-dir', ca.host('h7'), '--allow-wdir', '/', ...data], { encoding: 'utf8' });
    assert.equal(slash.status, 2);
    assert.match(slash.stderr, /--allow-wdir \/: admitting the whole filesystem/);
    assert.doesNotMatch(none.stderr + user.stderr + other.stderr + slash.stderr, /\n\s+at /, 'no stack traces');
  });

  test('a stopped host leaves the registry', { timeout: 30_000 }, async () => {
    const h = hosts[0];
    const exited = new Promise<number | null>((resolve) => h.child.once('exit', resolve));
    h.child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.deepEqual(listHosts(redis.url), ['h2']);
  });
});
