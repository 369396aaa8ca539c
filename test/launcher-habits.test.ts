// faasmpirun takes mpirun's habits (Open MPI and MPICH Hydra): host lists and hostfiles whose numbers are slots,
// --timeout / MPIEXEC_TIMEOUT with each rank's wasm stack, the ranks' OMPI_ and PMI_ variables, Open MPI's exit
// status, per-rank output files, -l, --merge-stderr-to-stdout, --stdin N|all, -N, --map-by, --display-map,
// options accepted as not applicable, -V.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { parseRunArgs } from '../cli/args.js';
import { parseHostfile, parseHostList, slotLimit } from '../cli/host-spec.js';
import { jobExitCode, TIMEOUT_EXIT_CODE } from '../host/job.js';
import { build, describeRun, faasmpiRun, tempDir } from './helpers.js';

const dir = tempDir('faasmpi-habits-');
let wasm = '';
before(() => { wasm = build('launcher_habits.c', dir); });

/** Each rank's "NAME=value" words from its first line. */
function rankVars(stdout: string): Map<number, Record<string, string>> {
  const out = new Map<number, Record<string, string>>();
  for (const m of stdout.matchAll(/^(?:\[\d+\] )?rank (\d+) of \d+: (.*)$/gm)) {
    out.set(Number(m[1]), Object.fromEntries(m[2].split(' ').map((w) => w.split('=') as [string, string])));
  }
  return out;
}

describe('host lists and hostfiles: numbers are slots, ports come after @', () => {
  test('-H a:4,b:4 gives slots; the port defaults to 7650 or follows @', () => {
    assert.deepEqual(parseHostList('a:4,b:2@7651, c'), [
      { address: 'a:7650', slots: 4 }, { address: 'b:7651', slots: 2 }, { address: 'c:7650' },
    ]);
    for (const flag of ['-H', '--host', '--hosts']) {
      const o = parseRunArgs([flag, 'n1:4,n2:4', 'p.wasm']);
      assert.deepEqual(o.cluster.hosts.map((h) => [h.address, h.slots]), [['n1:7650', 4], ['n2:7650', 4]]);
    }
  });

  test('hostfiles in Open MPI\'s and Hydra\'s forms, with comments, blank lines and max_slots', () => {
    const text = '# our lab\n\nn1 slots=4 max_slots=6\nn2:3   # Hydra\n  n3 slots=2 port=7700\nn4\nn5:2@7800\n';
    const hosts = parseHostfile(text, 'hosts.txt');
    assert.deepEqual(hosts, [
      { address: 'n1:7650', slots: 4, maxSlots: 6 }, { address: 'n2:7650', slots: 3 }, { address: 'n3:7700', slots: 2 },
      { address: 'n4:7650' }, { address: 'n5:7800', slots: 2 },
    ]);
    assert.deepEqual(hosts.map((h) => slotLimit(h)), [4, 3, 2, undefined, 2]);
    assert.equal(slotLimit({ address: 'x:1', maxSlots: 3 }), 3, 'max_slots alone caps the host');
    assert.equal(slotLimit({ address: 'x:1', slots: 4 }, 2), 2, '-N caps below the slots');
    const file = join(dir, 'hostfile');
    writeFileSync(file, text);
    assert.equal(parseRunArgs(['--hostfile', file, 'p.wasm']).cluster.hosts.length, 5);
  });

  test('bad host words are refused with the line that holds them', () => {
    assert.throws(() => parseHostfile('n1 slots=4 max_slots=2\n', 'h'), /h line 1: slots=4 is more than max_slots=2/);
    assert.throws(() => parseHostfile('\nn1 cpus=4\n', 'h'), /h line 2: unknown word 'cpus=4'/);
    assert.throws(() => parseHostfile('# nothing\n\n', 'h'), /names no host/);
    assert.throws(() => parseRunArgs(['-H', 'a:0', 'p.wasm']), /slot count must be a whole number/);
    assert.throws(() => parseRunArgs(['-H', 'a:4@99999', 'p.wasm']), /port must be a number from 1 to 65535/);
    assert.throws(() => parseRunArgs(['--hosts', '127.0.0.1:36123', 'p.wasm']), /36123 slots is more than a host runs \(4096 at most\); a host runtime's port is written after '@': 127.0.0.1@36123/);
    assert.throws(() => parseRunArgs(['-H', '../etc:4', 'p.wasm']), /expected host\[:slots\]\[@port\]/);
    assert.throws(() => parseRunArgs(['--hostfile', join(dir, 'none'), 'p.wasm']), /no such file/);
  });

  test('-N K means K ranks on each named host (and -np K x hosts without -np); --map-by maps to the policy', () => {
    const o = parseRunArgs(['-H', 'a:4,b:4,c:4', '-N', '2', 'p.wasm']);
    assert.equal(o.np, 6);
    assert.equal(o.cluster.perNode, 2);
    assert.equal(parseRunArgs(['-ppn', '1', '-np', '3', '-H', 'a,b,c', 'p.wasm']).np, 3);
    assert.equal(parseRunArgs(['--npernode', '1', '-H', 'a,b', 'p.wasm']).np, 2);
    assert.throws(() => parseRunArgs(['-N', '2', 'p.wasm']), /needs the hosts named/);
    assert.equal(parseRunArgs(['--map-by', 'node', 'p.wasm']).cluster.policy, 'spread');
    assert.equal(parseRunArgs(['--map-by', 'slot', 'p.wasm']).cluster.policy, 'pack');
    assert.throws(() => parseRunArgs(['--map-by', 'numa', 'p.wasm']), /--map-by takes slot or node/);
  });
});

describe('--timeout and MPIEXEC_TIMEOUT end the job with each rank\'s stack', () => {
  test('a rank computing forever and ranks waiting for it: status 124, every rank\'s wasm stack', { timeout: 60_000 }, () => {
    const r = faasmpiRun(['-np', '3', '--timeout', '2', wasm, 'block'], { timeoutMs: 40_000 });
    assert.equal(r.status, TIMEOUT_EXIT_CODE, describeRun(r));
    assert.ok(r.ms < 20_000, describeRun(r));
    assert.match(r.stderr, /timeout: the job ran longer than its limit of 2 s/, describeRun(r));
    const report = r.stderr.slice(r.stderr.indexOf('timeout:'));
    // Rank 0 is caught inside its loop; the others inside MPI_Recv, called from main.
    assert.match(report, /rank 0:\n(    .*\n)*    at spin_forever \(0x[0-9a-f]+\)\n    at main /, describeRun(r));
    for (const rank of [1, 2]) assert.match(report, new RegExp(`rank ${rank}:\\n    blocked in MPI_Recv.*\\n    at main `), describeRun(r));
    assert.doesNotMatch(r.stderr, /    at .*\.js/, 'no JS frames');
  });

  test('MPIEXEC_TIMEOUT does the same; --timeout wins over it; bad values are refused', { timeout: 60_000 }, () => {
    const r = faasmpiRun(['-np', '2', wasm, 'spin'], { timeoutMs: 40_000, env: { ...process.env, MPIEXEC_TIMEOUT: '1.5' } });
    assert.equal(r.status, TIMEOUT_EXIT_CODE, describeRun(r));
    assert.match(r.stderr, /limit of 1.5 s/);
    assert.match(r.stderr, /rank 1:\n    at spin_forever/);
    assert.equal(parseRunArgs(['--timeout', '3', 'p.wasm'], '/', { MPIEXEC_TIMEOUT: '9' }).timeoutMs, 3000);
    assert.throws(() => parseRunArgs(['p.wasm'], '/', { MPIEXEC_TIMEOUT: 'soon' }), /MPIEXEC_TIMEOUT needs a positive number of seconds/);
    assert.throws(() => parseRunArgs(['--timeout', '-1', 'p.wasm']), /--timeout needs a positive number/);
  });

  test('a job that ends in time is not touched by its limit', { timeout: 60_000 }, () => {
    const r = faasmpiRun(['-np', '2', '--timeout', '30', wasm], { timeoutMs: 40_000 });
    assert.equal(r.status, 0, describeRun(r));
    assert.doesNotMatch(r.stderr, /timeout/);
  });

  test('on two hosts: every host ends its ranks and reports their stacks', { timeout: 90_000 }, () => {
    const r = faasmpiRun(['--local-hosts', '2', '-np', '4', '--timeout', '3', wasm, 'block'], { timeoutMs: 60_000 });
    assert.equal(r.status, TIMEOUT_EXIT_CODE, describeRun(r));
    const report = r.stderr.slice(r.stderr.indexOf('timeout:'));
    assert.match(report, /rank 0:\n(    .*\n)*    at spin_forever/, describeRun(r));
    for (const rank of [1, 2, 3]) assert.match(report, new RegExp(`rank ${rank}:\\n    blocked in MPI_Recv`), describeRun(r));
  });
});

describe('what ranks see and what the job returns', () => {
  test('OMPI_COMM_WORLD_* and PMI_* on one host', { timeout: 60_000 }, () => {
    const r = faasmpiRun(['-np', '3', wasm], { timeoutMs: 40_000 });
    assert.equal(r.status, 0, describeRun(r));
    const vars = rankVars(r.stdout);
    for (let rank = 0; rank < 3; rank++) {
      assert.deepEqual(vars.get(rank), {
        OMPI_COMM_WORLD_RANK: String(rank), OMPI_COMM_WORLD_SIZE: '3', OMPI_COMM_WORLD_LOCAL_RANK: String(rank),
        OMPI_COMM_WORLD_LOCAL_SIZE: '3', PMI_RANK: String(rank), PMI_SIZE: '3',
      }, describeRun(r));
    }
  });

  test('on two hosts with -N 1 and --map-by slot: one rank per host, local rank 0 of 1, shown by --display-map', { timeout: 90_000 }, () => {
    const r = faasmpiRun(['--local-hosts', '2', '-np', '2', '-N', '1', '--map-by', 'slot', '--display-map', wasm], { timeoutMs: 60_000 });
    assert.equal(r.status, 0, describeRun(r));
    const vars = rankVars(r.stdout);
    for (const rank of [0, 1]) {
      assert.equal(vars.get(rank)?.OMPI_COMM_WORLD_RANK, String(rank));
      assert.equal(vars.get(rank)?.OMPI_COMM_WORLD_LOCAL_RANK, '0', describeRun(r));
      assert.equal(vars.get(rank)?.OMPI_COMM_WORLD_LOCAL_SIZE, '1', describeRun(r));
    }
    const map = r.stderr.split('\n').filter((l) => l.includes('map: '));
    assert.equal(map.length, 2, describeRun(r));
    assert.match(map[0], /map: rank 0 on host /);
    assert.match(map[1], /map: rank 1 on host /);
  });

  test('exit status is Open MPI\'s: the lowest rank that ended non-zero', () => {
    assert.deepEqual(jobExitCode([{ kind: 'exit', code: 0 }, { kind: 'exit', code: 3 }, { kind: 'exit', code: 5 }]), { code: 3, rank: 1 });
    assert.deepEqual(jobExitCode([{ kind: 'stopped' }, { kind: 'stopped' }, { kind: 'exit', code: 5 }]), { code: 5, rank: 2 });
    assert.deepEqual(jobExitCode([{ kind: 'exit', code: 0 }, { kind: 'trap', trap: 'unreachable', stack: [] }]), { code: 134, rank: 1 });
    assert.deepEqual(jobExitCode([{ kind: 'exit', code: 0 }, { kind: 'stopped' }]), { code: 0 });
    const r = faasmpiRun(['-np', '3', wasm, 'exit', '2:7'], { timeoutMs: 40_000 });
    assert.equal(r.status, 7, describeRun(r));
  });
});

describe('output and input', () => {
  test('--output-filename DIR: each rank\'s stdout and stderr in DIR/1/rank.N/', { timeout: 60_000 }, () => {
    const out = join(dir, 'out');
    const r = faasmpiRun(['-np', '2', '--output-filename', out, wasm], { timeoutMs: 40_000 });
    assert.equal(r.status, 0, describeRun(r));
    assert.equal(r.stdout, '');
    for (const rank of [0, 1]) {
      assert.match(readFileSync(join(out, '1', `rank.${rank}`, 'stdout'), 'utf8'), new RegExp(`^rank ${rank} of 2: OMPI_COMM_WORLD_RANK=${rank} `));
      assert.equal(readFileSync(join(out, '1', `rank.${rank}`, 'stderr'), 'utf8'), `rank ${rank} to stderr\n`);
    }
  });

  test('--output-filename on two hosts writes the same files from relayed output', { timeout: 90_000 }, () => {
    const out = join(dir, 'out-hosts');
    const r = faasmpiRun(['--local-hosts', '2', '-np', '2', '--output-filename', out, wasm], { timeoutMs: 60_000 });
    assert.equal(r.status, 0, describeRun(r));
    for (const rank of [0, 1]) {
      assert.match(readFileSync(join(out, '1', `rank.${rank}`, 'stdout'), 'utf8'), new RegExp(`^rank ${rank} of 2:`));
      assert.equal(readFileSync(join(out, '1', `rank.${rank}`, 'stderr'), 'utf8'), `rank ${rank} to stderr\n`);
    }
  });

  test('--output-filename in a place that cannot be made is a clear error', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const r = faasmpiRun(['--output-filename', join(file, 'sub'), wasm]);
    assert.equal(r.status, 2, describeRun(r));
    assert.match(r.stderr, /^faasmpirun: --output-filename .*a-file\/sub: /);
    assert.doesNotMatch(r.stderr, /    at /);
  });

  test('-l and --prepend-rank prefix lines with the rank; --merge-stderr-to-stdout', { timeout: 60_000 }, () => {
    for (const flag of ['-l', '--prepend-rank']) {
      const r = faasmpiRun(['-np', '2', flag, wasm], { timeoutMs: 40_000 });
      assert.equal(r.status, 0, describeRun(r));
      assert.match(r.stdout, /^\[1\] rank 1 of 2:/m);
      assert.match(r.stderr, /^\[0\] rank 0 to stderr$/m);
    }
    const m = faasmpiRun(['-np', '2', '--merge-stderr-to-stdout', wasm], { timeoutMs: 40_000 });
    assert.equal(m.status, 0, describeRun(m));
    assert.match(m.stdout, /^rank 0 to stderr$/m);
    assert.match(m.stdout, /^rank 1 to stderr$/m);
    assert.equal(m.stderr, '');
  });

  test('--stdin 1 gives rank 1 our stdin; --stdin all gives every rank a copy; --stdin none none', { timeout: 90_000 }, () => {
    const one = faasmpiRun(['-np', '3', '--stdin', '1', wasm, 'stdin'], { timeoutMs: 40_000, input: 'hello\n' });
    assert.equal(one.status, 0, describeRun(one));
    assert.match(one.stdout, /^rank 1 stdin: hello$/m);
    assert.match(one.stdout, /^rank 0 stdin: EOF$/m);
    assert.match(one.stdout, /^rank 2 stdin: EOF$/m);
    const all = faasmpiRun(['-np', '3', '--stdin', 'all', wasm, 'stdin'], { timeoutMs: 40_000, input: 'to all\n' });
    assert.equal(all.status, 0, describeRun(all));
    for (const rank of [0, 1, 2]) assert.match(all.stdout, new RegExp(`^rank ${rank} stdin: to all$`, 'm'));
    const none = faasmpiRun(['-np', '1', '--stdin', 'none', wasm, 'stdin'], { timeoutMs: 40_000, input: 'x\n' });
    assert.match(none.stdout, /^rank 0 stdin: EOF$/m);
    assert.throws(() => parseRunArgs(['-np', '2', '--stdin', '2', 'p.wasm']), /--stdin 2: the job has ranks 0 to 1/);
    assert.throws(() => parseRunArgs(['--stdin', 'some', 'p.wasm']), /--stdin takes a rank number/);
  });
});

describe('MPMD: program : program in one MPI_COMM_WORLD', () => {
  const expected = [
    'rank 0 of 4 role leader arg first sum 10 root leader',
    'rank 1 of 4 role worker arg second sum 10 root leader',
    'rank 2 of 4 role worker arg second sum 10 root leader',
    'rank 3 of 4 role worker arg second sum 10 root leader',
  ];
  let leader = '', worker = '';
  before(() => {
    leader = build('mpmd_role.c', tempDir('faasmpi-mpmd-a-'), ['-DROLE="leader"']);
    worker = build('mpmd_role.c', tempDir('faasmpi-mpmd-b-'), ['-DROLE="worker"']);
  });

  test('-np 1 leader.wasm : -np 3 worker.wasm: each rank runs its program with its argv, in one world', { timeout: 90_000 }, () => {
    const r = faasmpiRun(['-np', '1', leader, 'first', ':', '-np', '3', worker, 'second'], { timeoutMs: 60_000 });
    assert.equal(r.status, 0, describeRun(r));
    assert.deepEqual(r.stdout.split('\n').filter(Boolean).sort(), expected, describeRun(r));
  });

  test('the same on two hosts: both programs travel to each host, ranks split 2 and 2', { timeout: 90_000 }, () => {
    const r = faasmpiRun(['--local-hosts', '2', '--display-map', '-np', '1', leader, 'first', ':', '-np', '3', worker, 'second'], { timeoutMs: 60_000 });
    assert.equal(r.status, 0, describeRun(r));
    assert.deepEqual(r.stdout.split('\n').filter(Boolean).sort(), expected, describeRun(r));
    assert.equal(r.stderr.split('\n').filter((l) => /map: ranks \d-\d on host/.test(l)).length, 2, describeRun(r));
  });

  test('MPMD contexts are checked', () => {
    const o = parseRunArgs(['-np', '2', 'a.wasm', 'x', ':', 'b.wasm', ':', '-n', '3', 'c.wasm', 'y', 'z']);
    assert.equal(o.np, 6);
    assert.deepEqual(o.apps, [
      { np: 2, program: 'a.wasm', programArgs: ['x'] }, { np: 1, program: 'b.wasm', programArgs: [] }, { np: 3, program: 'c.wasm', programArgs: ['y', 'z'] },
    ]);
    assert.throws(() => parseRunArgs(['a.wasm', ':']), /names no program/);
    assert.throws(() => parseRunArgs(['a.wasm', ':', '-np', '0', 'b.wasm']), /-np needs a positive whole number/);
    assert.throws(() => parseRunArgs(['a.wasm', ':', '-x', 'A', 'b.wasm']), /only -np N may be given for each program/);
  });
});

describe('options that do not apply, and -V', () => {
  test('--bind-to, --report-bindings and --mca are accepted with one line each', { timeout: 60_000 }, () => {
    const r = faasmpiRun(['-np', '1', '--bind-to', 'core', '--report-bindings', '--mca', 'btl', 'tcp,self', '--display-map', wasm], { timeoutMs: 40_000 });
    assert.equal(r.status, 0, describeRun(r));
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('faasmpirun:'));
    assert.deepEqual(lines.map((l) => l.replace(/:.*/, ':') + (l.match(/--\S+/)?.[0] ?? l.match(/map:/)?.[0])), [
      'faasmpirun:--bind-to', 'faasmpirun:--report-bindings', 'faasmpirun:--mca', 'faasmpirun:map:',
    ], describeRun(r));
    assert.match(r.stderr, /--mca btl tcp,self ignored/);
    assert.match(r.stderr, /--bind-to core does not apply/);
  });

  test('-V and --version print the version and run nothing', () => {
    const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    for (const flag of ['-V', '--version']) {
      const r = faasmpiRun([flag]);
      assert.equal(r.status, 0, describeRun(r));
      assert.equal(r.stdout, `faasmpirun (faasmpi) ${version}\n`);
    }
  });
});
