// The wasm type of every host function a module may import, by import module: what the loader compares a
// program's imports with before running it (a mismatch otherwise surfaces as a JS TypeError mid-run, or as
// silently wrong arguments). Modules without a table here (OpenMP's) are checked by name only.
import { FAASM_MODULE_NAME, FAASM_SIGNATURES } from '../host-interface/faasm.js';
import { WASI_MODULE_NAME } from '../host-interface/wasi/preview1.js';
import { MPI_MODULE_NAME } from '../mpi/module.js';
import { MPI_SIGNATURES } from '../mpi/signatures.js';
import type { FuncType } from './wasm-binary.js';

/**
 * wasi_snapshot_preview1 for wasm32 (the WASI preview1 witx; pointers and sizes are i32, filesize, timestamp,
 * rights and dircookie are i64). Same encoding as MPI_SIGNATURES: i = i32, I = i64.
 */
const WASI_SIGNATURES: Readonly<Record<string, string>> = {
  args_get: 'ii:i', args_sizes_get: 'ii:i', environ_get: 'ii:i', environ_sizes_get: 'ii:i', clock_res_get: 'ii:i',
  clock_time_get: 'iIi:i', fd_advise: 'iIIi:i', fd_allocate: 'iII:i', fd_close: 'i:i', fd_datasync: 'i:i',
  fd_fdstat_get: 'ii:i', fd_fdstat_set_flags: 'ii:i', fd_fdstat_set_rights: 'iII:i', fd_filestat_get: 'ii:i',
  fd_filestat_set_size: 'iI:i', fd_filestat_set_times: 'iIIi:i', fd_pread: 'iiiIi:i', fd_prestat_get: 'ii:i',
  fd_prestat_dir_name: 'iii:i', fd_pwrite: 'iiiIi:i', fd_read: 'iiii:i', fd_readdir: 'iiiIi:i', fd_renumber: 'ii:i',
  fd_seek: 'iIii:i', fd_sync: 'i:i', fd_tell: 'ii:i', fd_write: 'iiii:i', path_create_directory: 'iii:i',
  path_filestat_get: 'iiiii:i', path_filestat_set_times: 'iiiiIIi:i', path_link: 'iiiiiii:i',
  path_open: 'iiiiiIIii:i', path_readlink: 'iiiiii:i', path_remove_directory: 'iii:i', path_rename: 'iiiiii:i',
  path_symlink: 'iiiii:i', path_unlink_file: 'iii:i', poll_oneoff: 'iiii:i', proc_exit: 'i:', proc_raise: 'i:i',
  sched_yield: ':i', random_get: 'ii:i', sock_accept: 'iii:i', sock_recv: 'iiiiii:i', sock_send: 'iiiii:i',
  sock_shutdown: 'ii:i',
};

const TABLES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  [WASI_MODULE_NAME]: WASI_SIGNATURES,
  [MPI_MODULE_NAME]: MPI_SIGNATURES,
  [FAASM_MODULE_NAME]: FAASM_SIGNATURES,
};

const LETTERS: Readonly<Record<string, string>> = { i: 'i32', I: 'i64', f: 'f32', F: 'f64' };

export function decodeSignature(encoded: string): FuncType {
  const [params, results] = encoded.split(':');
  return { params: [...params].map((c) => LETTERS[c]), results: [...results].map((c) => LETTERS[c]) };
}

/** The type the host gives module.name, or undefined when it is not known (then only the name is checked). */
export function expectedType(module: string, name: string): FuncType | undefined {
  const encoded = TABLES[module]?.[name];
  return encoded === undefined ? undefined : decodeSignature(encoded);
}
