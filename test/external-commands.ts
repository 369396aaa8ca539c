// Finds the external commands faasmpi and its tests run, from the sources themselves, and the Debian package of
// each, so a test can check that setup.sh installs every one (issue 15: llvm-ar-19 was run but llvm-19 was not
// installed). experiments/ is left out: it has its own setup (experiments/setup.sh, Open MPI baselines).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Where each command was found, e.g. "redis-server" -> ["test/redis-server.ts"]. */
export type Invocations = Map<string, Set<string>>;

/** Directories whose TypeScript may start processes (tsconfig's list without experiments/). */
const TS_DIRS = ['faaslet', 'host-interface', 'host', 'fgroups', 'mpi', 'collectives', 'openmp', 'cluster', 'snapshots',
  'toolchain/src', 'cli', 'test'];
/** Shell scripts run by users or CI, and CMake files that look programs up. */
const SHELL_SCRIPTS = ['setup.sh', '.ci/run'];
const CMAKE_DIR = 'toolchain/cmake';

/** Commands that run others by themselves: cmake's default generator runs make. */
const IMPLIED: Record<string, string[]> = { cmake: ['make'] };

/** Functions in test files that take a command as first argument and spawn it. */
const SPAWNING_CALLS = ['spawn', 'spawnSync', 'execFile', 'execFileSync', 'exec', 'execSync', 'sh', 'ok', 'slurmRun'];

const SHELL_WORDS = new Set([
  'if', 'then', 'else', 'elif', 'fi', 'for', 'in', 'do', 'done', 'while', 'until', 'case', 'esac', 'function', '!',
  'cd', 'set', 'echo', 'export', 'exit', 'return', 'local', 'shift', 'read', 'printf', 'test', 'true', 'false', 'source',
  'eval', 'exec', 'trap', 'wait', 'unset', 'declare', 'type', 'command', 'break', 'continue', 'umask', 'pwd',
]);

function add(found: Invocations, command: string, where: string): void {
  if (!found.has(command)) found.set(command, new Set());
  found.get(command)!.add(where);
  for (const implied of IMPLIED[command] ?? []) add(found, implied, `${where} (through ${command})`);
}

function tsFiles(root: string, dir: string): string[] {
  const abs = path.join(root, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs, { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'programs' || e.name === 'node_modules' ? [] : tsFiles(root, rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

/** Commands named by a string literal where a spawning call takes its command, and config's `?? 'cmd'` defaults. */
export function commandsInTypeScript(root: string, found: Invocations): void {
  const call = new RegExp(`(?<![.\\w])(?:${SPAWNING_CALLS.join('|')})\\(\\s*'([^'\\s]+)'`, 'g');
  const configDefault = /export const [A-Z_]+ = process\.env\.[A-Z_]+ \?\? '([^'\s]+)'/g;
  for (const file of TS_DIRS.flatMap((d) => tsFiles(root, d))) {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    for (const m of text.matchAll(call)) if (!m[1].includes('/')) add(found, m[1], file);
    for (const m of text.matchAll(configDefault)) add(found, m[1], file);
  }
}

/** The command words of simple shell scripts: first word of each pipeline element, minus builtins and functions. */
export function commandsInShell(text: string): string[] {
  const functions = new Set([...text.matchAll(/^\s*([A-Za-z_][\w-]*)\s*\(\)\s*\{/gm)].map((m) => m[1]));
  const out = new Set<string>();
  for (const rawLine of text.split('\n')) {
    // Quoted text is no command, except command substitutions inside double quotes ("$(readlink "$x")").
    const line = rawLine.replace(/(^|\s)#.*$/, '').replace(/'[^']*'/g, "''")
      .replace(/"([^"]*)"/g, (_, inner: string) => (inner.includes('$(') ? ` ${inner} ` : '""'));
    for (const piece of line.split(/;;|;|&&|\|\||\||\$\(|\(|\)|\{|\}|`/)) {
      const words = piece.trim().split(/\s+/).filter((w) => !/^[A-Za-z_]\w*=/.test(w));
      const first = words.find((w) => !['!', 'then', 'else', 'do', 'elif', 'if', 'while', 'until'].includes(w));
      if (first && /^[A-Za-z][\w.+-]*$/.test(first) && !SHELL_WORDS.has(first) && !functions.has(first)) out.add(first);
    }
  }
  return [...out];
}

export function commandsInShellScripts(root: string, found: Invocations): void {
  for (const script of SHELL_SCRIPTS) {
    for (const c of commandsInShell(fs.readFileSync(path.join(root, script), 'utf8'))) add(found, c, script);
  }
}

/** find_program(VAR NAMES first ...) in the CMake toolchain files: the first name is the one we rely on. */
export function commandsInCMake(root: string, found: Invocations): void {
  const walk = (dir: string): string[] => fs.readdirSync(path.join(root, dir), { withFileTypes: true })
    .flatMap((e) => e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.cmake') ? [path.join(dir, e.name)] : []);
  for (const file of walk(CMAKE_DIR)) {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    for (const m of text.matchAll(/find_program\(\s*\w+\s+NAMES\s+([^\s)]+)/g)) add(found, m[1], file);
  }
}

export function invokedCommands(root: string): Invocations {
  const found: Invocations = new Map();
  commandsInTypeScript(root, found);
  commandsInShellScripts(root, found);
  commandsInCMake(root, found);
  return found;
}

/** The package list setup.sh installs: its `packages=(...)` array. */
export function setupPackages(setupSh: string): string[] {
  const m = /^packages=\(([^)]*)\)/m.exec(setupSh);
  if (!m) throw new Error('setup.sh: no packages=(...) list');
  return m[1].trim().split(/\s+/);
}

export interface PackageOf { path: string | null; package: string | null; alwaysInstalled: boolean }

function sh(cmd: string, args: string[]): string | null {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** The Debian package owning a command on PATH (null if none), and whether Debian always has it installed. */
export function packageOf(command: string): PackageOf {
  const where = sh('sh', ['-c', `command -v '${command.replace(/'/g, '')}'`]);
  if (!where || !where.startsWith('/')) return { path: where, package: null, alwaysInstalled: false };
  // usrmerge: dpkg knows /bin/grep, PATH finds /usr/bin/grep.
  const candidates = [where, where.replace(/^\/usr\/(s?bin)\//, '/$1/'), fs.realpathSync(where)];
  let owner: string | null = null;
  for (const c of candidates) {
    const out = sh('dpkg', ['-S', c]);
    // "pkg[, pkg2]: /path"; diversion lines ("diversion by dash from: /bin/sh") name no owner.
    const line = out?.split('\n').find((l) => !l.startsWith('diversion by'));
    if (line) { owner = line.split(':')[0].split(',')[0].trim(); break; }
  }
  if (!owner) return { path: where, package: null, alwaysInstalled: false };
  const fields = sh('dpkg-query', ['-W', '-f=${Essential} ${Priority}', owner]) ?? '';
  return { path: where, package: owner, alwaysInstalled: /^yes|\brequired$/.test(fields) };
}
