// Guest path resolution confined to a host root directory (the per-user sandbox).
//
// Paths are walked one component at a time, following symlinks ourselves, so that neither `..` nor a symlink
// (final or intermediate) can lead outside the root. The result is a host path whose directory part contains no
// symlinks. A race where a component is swapped for a symlink between our check and the later fs call is not
// covered (Node has no openat); users cannot do that from inside the sandbox except through this resolver.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Errno } from '../wasi/errno.js';

export type SandboxResult =
  | { ok: true; hostPath: string; /** false for ".", "..", "a/.." ...: no name to create/remove */ finalIsName: boolean }
  | { ok: false; errno: number };

export interface ResolveOptions {
  /** Follow a symlink in the last component (WASI lookupflags SYMLINK_FOLLOW). */
  followFinal: boolean;
}

/** Linux's limit on symlinks followed in one lookup; beyond it ELOOP. */
const MAX_SYMLINKS = 40;

/** Is `p` the root or below it? Compared with a trailing separator so /root2 is not inside /root. */
export function isInside(root: string, p: string): boolean {
  if (p === root) return true;
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  return p.startsWith(prefix);
}

/** Real path of the root, computed once by the fd table (all other paths are compared against it). */
export function realRoot(hostRoot: string): string {
  return fs.realpathSync(hostRoot);
}

/**
 * Resolve `guestRelPath` (relative, WASI-style) against `baseHostDir` (a real directory inside `root`).
 * `root` must already be a real path (see realRoot).
 */
export function resolveInSandbox(
  root: string,
  baseHostDir: string,
  guestRelPath: string,
  opts: ResolveOptions,
): SandboxResult {
  if (guestRelPath.length === 0) return { ok: false, errno: Errno.NOENT };
  if (guestRelPath.includes('\0')) return { ok: false, errno: Errno.INVAL };
  // WASI paths are relative to a directory fd; an absolute path would name the host's filesystem.
  if (guestRelPath.startsWith('/')) return { ok: false, errno: Errno.NOTCAPABLE };
  if (!isInside(root, baseHostDir)) return { ok: false, errno: Errno.NOTCAPABLE };
  try {
    return walk(root, baseHostDir, guestRelPath, opts.followFinal);
  } catch (e) {
    const code = (e as { code?: string }).code;
    return { ok: false, errno: code === 'ENOENT' ? Errno.NOENT : mapCode(code) };
  }
}

function mapCode(code: string | undefined): number {
  switch (code) {
    case 'ENOTDIR': return Errno.NOTDIR;
    case 'EACCES': return Errno.ACCES;
    case 'ELOOP': return Errno.LOOP;
    case 'ENAMETOOLONG': return Errno.NAMETOOLONG;
    default: return Errno.IO;
  }
}

/** Split into components; a trailing "/" means the result must be a directory (and a final symlink is followed). */
function split(p: string): { comps: string[]; trailingSlash: boolean; finalIsName: boolean } {
  const trailingSlash = p.endsWith('/');
  const raw = p.split('/').filter((c) => c !== '');
  const last = raw[raw.length - 1];
  const finalIsName = last !== undefined && last !== '.' && last !== '..';
  return { comps: raw.filter((c) => c !== '.'), trailingSlash, finalIsName };
}

function walk(root: string, base: string, guestPath: string, followFinal: boolean): SandboxResult {
  const { comps, trailingSlash, finalIsName } = split(guestPath);
  const follow = followFinal || trailingSlash;
  const queue = comps;
  let cur = base;
  let links = 0;
  while (queue.length > 0) {
    const c = queue.shift()!;
    const isLast = queue.length === 0;
    if (c === '..') {
      if (cur === root) return { ok: false, errno: Errno.NOTCAPABLE };
      cur = path.dirname(cur);
      continue;
    }
    const cand = path.join(cur, c);
    if (isLast && !follow) return { ok: true, hostPath: cand, finalIsName };
    const st = lstatOrNull(cand);
    if (st === null) {
      if (isLast) return { ok: true, hostPath: cand, finalIsName }; // may be created by the caller
      return { ok: false, errno: Errno.NOENT };
    }
    if (st.isSymbolicLink()) {
      if (++links > MAX_SYMLINKS) return { ok: false, errno: Errno.LOOP };
      const target = fs.readlinkSync(cand, 'utf8');
      const next = enterLinkTarget(root, cur, target);
      if (!next.ok) return next;
      cur = next.dir;
      queue.unshift(...next.rest);
      continue;
    }
    if (!st.isDirectory() && (!isLast || trailingSlash)) return { ok: false, errno: Errno.NOTDIR };
    cur = cand;
  }
  return { ok: true, hostPath: cur, finalIsName };
}

function lstatOrNull(p: string): fs.Stats | null {
  const st = fs.lstatSync(p, { throwIfNoEntry: false });
  return st ?? null;
}

/**
 * Where resolution continues after a symlink. Relative targets continue from the link's directory (their `..`
 * are checked by the walk). Absolute targets are accepted only if their real location is inside the root.
 */
function enterLinkTarget(
  root: string,
  linkDir: string,
  target: string,
): { ok: true; dir: string; rest: string[] } | { ok: false; errno: number } {
  if (target.length === 0) return { ok: false, errno: Errno.NOENT };
  if (!target.startsWith('/')) return { ok: true, dir: linkDir, rest: split(target).comps };
  const { real, rest } = realPrefix(target);
  if (!isInside(root, real)) return { ok: false, errno: Errno.NOTCAPABLE };
  return { ok: true, dir: real, rest };
}

/** Real path of the longest existing prefix of an absolute path, plus the components after it. */
function realPrefix(abs: string): { real: string; rest: string[] } {
  const comps = path.normalize(abs).split('/').filter((c) => c !== '');
  for (let n = comps.length; n >= 0; n--) {
    const prefix = '/' + comps.slice(0, n).join('/');
    try {
      return { real: fs.realpathSync(prefix), rest: comps.slice(n) };
    } catch {
      // shorter prefix
    }
  }
  return { real: '/', rest: comps };
}

/**
 * May a symlink with content `target`, created at `linkHostPath`, stay inside the sandbox? Absolute targets are
 * refused (they would name host paths); relative ones must not climb above the root lexically. Whatever the link
 * points at is checked again by resolveInSandbox each time it is followed.
 */
export function symlinkTargetAllowed(root: string, linkHostPath: string, target: string): number {
  if (target.length === 0) return Errno.NOENT;
  if (target.includes('\0')) return Errno.INVAL;
  if (target.startsWith('/')) return Errno.NOTCAPABLE;
  let cur = path.dirname(linkHostPath);
  if (!isInside(root, cur)) return Errno.NOTCAPABLE;
  for (const c of split(target).comps) {
    if (c === '..') {
      if (cur === root) return Errno.NOTCAPABLE;
      cur = path.dirname(cur);
    } else {
      cur = path.join(cur, c);
    }
  }
  return Errno.SUCCESS;
}
