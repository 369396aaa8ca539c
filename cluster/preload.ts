// Input files a launcher sends with its job (faasmpirun --preload) to hosts without a shared filesystem. They
// travel after the program in the prepare request's bytes, and each host writes them into the job's working
// directory, which the host chose (its user's own directory unless an admitted --wdir): the launcher names only
// plain file names. Bytes from a launcher are hostile until checked: the number of files and their total size
// are bounded, every name is one plain path component, the sizes must add up to the bytes received, and a file
// is written without following a link planted where it goes.
import { closeSync, constants, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';

export const MAX_PRELOAD_FILES = 64;
export const MAX_PRELOAD_BYTES = 256 << 20;

/** One preloaded file as the prepare request describes it (its bytes follow the program's). */
export interface PreloadEntry {
  name: string;
  size: number;
}

export interface PreloadFile {
  name: string;
  bytes: Uint8Array;
}

export class PreloadError extends Error {
  override name = 'PreloadError';
}

/** Why `name` cannot be a preloaded file's name, or undefined. */
export function badPreloadName(name: unknown): string | undefined {
  if (typeof name !== 'string' || !/^[A-Za-z0-9._+-]{1,255}$/.test(name) || name === '.' || name === '..') {
    return `preloaded file name ${JSON.stringify(String(name).slice(0, 80))} is not a plain file name (letters, digits, '.', '_', '+', '-')`;
  }
  return undefined;
}

/** The launcher's side: the named files, each under its base name. */
export function readPreload(paths: string[]): PreloadFile[] {
  const files: PreloadFile[] = [];
  let total = 0;
  for (const path of paths) {
    const name = basename(path);
    const bad = badPreloadName(name);
    if (bad) throw new PreloadError(`--preload ${path}: ${bad}`);
    if (files.some((f) => f.name === name)) throw new PreloadError(`--preload ${path}: another file is also called ${name}`);
    let bytes: Uint8Array;
    try {
      if (!statSync(path).isFile()) throw new PreloadError(`--preload ${path}: not a regular file`);
      bytes = readFileSync(path);
    } catch (e) {
      if (e instanceof PreloadError) throw e;
      throw new PreloadError(`--preload ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    total += bytes.length;
    files.push({ name, bytes });
  }
  if (files.length > MAX_PRELOAD_FILES) throw new PreloadError(`--preload: at most ${MAX_PRELOAD_FILES} files`);
  if (total > MAX_PRELOAD_BYTES) throw new PreloadError(`--preload: the files add up to ${total} bytes, more than the ${MAX_PRELOAD_BYTES} a job may send`);
  return files;
}

/** The prepare request's bytes: the program, then each file's. */
export function packBlob(program: Uint8Array, files: PreloadFile[]): { blob: Uint8Array; entries: PreloadEntry[] } {
  const blob = new Uint8Array(program.length + files.reduce((n, f) => n + f.bytes.length, 0));
  blob.set(program, 0);
  let at = program.length;
  for (const f of files) {
    blob.set(f.bytes, at);
    at += f.bytes.length;
  }
  return { blob, entries: files.map((f) => ({ name: f.name, size: f.bytes.length })) };
}

/** The host's side: the program and the files out of a launcher's bytes, after checking what it says of them. */
export function unpackBlob(blob: Uint8Array, entries: unknown): { program: Uint8Array; files: PreloadFile[] } {
  if (entries === undefined) return { program: blob, files: [] };
  if (!Array.isArray(entries) || entries.length > MAX_PRELOAD_FILES) throw new PreloadError(`the preloaded files must be a list of at most ${MAX_PRELOAD_FILES}`);
  let total = 0;
  const names = new Set<string>();
  for (const e of entries as Partial<PreloadEntry>[]) {
    const bad = badPreloadName(e?.name);
    if (bad) throw new PreloadError(bad);
    if (names.has(e.name!)) throw new PreloadError(`preloaded file ${e.name} is named twice`);
    names.add(e.name!);
    if (!Number.isSafeInteger(e.size) || e.size! < 0) throw new PreloadError(`preloaded file ${e.name} has no valid size`);
    total += e.size!;
  }
  if (total > MAX_PRELOAD_BYTES) throw new PreloadError(`the preloaded files add up to ${total} bytes, more than the ${MAX_PRELOAD_BYTES} a job may send`);
  if (total > blob.length) throw new PreloadError(`the preloaded files' sizes (${total} bytes) are more than the ${blob.length} bytes sent`);
  let at = blob.length - total;
  const program = blob.subarray(0, at);
  const files = (entries as PreloadEntry[]).map((e) => {
    const bytes = blob.subarray(at, at + e.size);
    at += e.size;
    return { name: e.name, bytes };
  });
  return { program, files };
}

/** One program of an MPMD job as the prepare request describes it (its bytes, in order, start the request's). */
export interface AppEntry {
  argv0: string;
  args: string[];
  np: number;
  size: number;
}

export const MAX_APPS = 16;

/** The host's side of an MPMD job: each program's bytes and argv, after checking they add up to the job. */
export function splitPrograms(programs: Uint8Array, apps: unknown, np: number): { bytes: Uint8Array; argv0: string; args: string[]; np: number }[] {
  if (!Array.isArray(apps) || apps.length < 1 || apps.length > MAX_APPS) throw new PreloadError(`the job's programs must be a list of 1 to ${MAX_APPS}`);
  let at = 0, ranks = 0;
  const out = (apps as Partial<AppEntry>[]).map((a, i) => {
    if (typeof a?.argv0 !== 'string' || !Array.isArray(a.args) || !a.args.every((x) => typeof x === 'string')) throw new PreloadError(`program ${i} of the job has no valid argv`);
    if (!Number.isInteger(a.np) || a.np! < 1) throw new PreloadError(`program ${i} of the job has no valid rank count`);
    if (!Number.isSafeInteger(a.size) || a.size! < 1 || at + a.size! > programs.length) throw new PreloadError(`program ${i} of the job has no valid size`);
    const bytes = programs.subarray(at, at + a.size!);
    at += a.size!;
    ranks += a.np!;
    return { bytes, argv0: a.argv0, args: a.args as string[], np: a.np! };
  });
  if (at !== programs.length) throw new PreloadError(`the job's programs take ${at} of the ${programs.length} bytes sent for them`);
  if (ranks !== np) throw new PreloadError(`the job's programs have ${ranks} ranks, not its ${np}`);
  return out;
}

/** Writes the files into `dir` (the host's choice); a link where a file goes is never followed. */
export function writePreloaded(dir: string, files: PreloadFile[]): void {
  for (const f of files) {
    let fd: number;
    try {
      fd = openSync(join(dir, f.name), constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new PreloadError(`cannot write preloaded file ${f.name}: ${code === 'ELOOP' ? 'a symbolic link is in its place' : code === 'EISDIR' ? 'a directory is in its place' : (e as Error).message}`);
    }
    try {
      for (let done = 0; done < f.bytes.length;) done += writeSync(fd, f.bytes, done);
    } finally {
      closeSync(fd);
    }
  }
}
