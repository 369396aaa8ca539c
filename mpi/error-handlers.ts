// Error classes and the error handlers of one rank (part of MpiRank's state): which handler each communicator
// has, user handlers, user error codes. No imports of the rank: the host functions (errors.ts) install the
// invoker that calls user handlers in the guest.
import { JobAbort } from '../host-interface/types.js';
import * as abi from './abi.js';
import { HandleTable } from './handle-table.js';

/** [name, description] of every predefined error class. */
const CLASS_TABLE: ReadonlyArray<readonly [number, string, string]> = [
  [abi.MPI_SUCCESS, 'MPI_SUCCESS', 'no error'],
  [abi.MPI_ERR_BUFFER, 'MPI_ERR_BUFFER', 'invalid buffer pointer'],
  [abi.MPI_ERR_COUNT, 'MPI_ERR_COUNT', 'invalid count argument'],
  [abi.MPI_ERR_TYPE, 'MPI_ERR_TYPE', 'invalid datatype'],
  [abi.MPI_ERR_TAG, 'MPI_ERR_TAG', 'invalid tag'],
  [abi.MPI_ERR_COMM, 'MPI_ERR_COMM', 'invalid communicator'],
  [abi.MPI_ERR_RANK, 'MPI_ERR_RANK', 'invalid rank'],
  [abi.MPI_ERR_ROOT, 'MPI_ERR_ROOT', 'invalid root'],
  [abi.MPI_ERR_GROUP, 'MPI_ERR_GROUP', 'invalid group'],
  [abi.MPI_ERR_OP, 'MPI_ERR_OP', 'invalid reduction operation'],
  [abi.MPI_ERR_TOPOLOGY, 'MPI_ERR_TOPOLOGY', 'invalid topology'],
  [abi.MPI_ERR_DIMS, 'MPI_ERR_DIMS', 'invalid dimension argument'],
  [abi.MPI_ERR_ARG, 'MPI_ERR_ARG', 'invalid argument'],
  [abi.MPI_ERR_UNKNOWN, 'MPI_ERR_UNKNOWN', 'unknown error'],
  [abi.MPI_ERR_TRUNCATE, 'MPI_ERR_TRUNCATE', 'message truncated on receive'],
  [abi.MPI_ERR_OTHER, 'MPI_ERR_OTHER', 'other error'],
  [abi.MPI_ERR_INTERN, 'MPI_ERR_INTERN', 'internal error in the MPI runtime'],
  [abi.MPI_ERR_IN_STATUS, 'MPI_ERR_IN_STATUS', 'error code is in the status'],
  [abi.MPI_ERR_PENDING, 'MPI_ERR_PENDING', 'pending request'],
  [abi.MPI_ERR_REQUEST, 'MPI_ERR_REQUEST', 'invalid request'],
  [abi.MPI_ERR_ACCESS, 'MPI_ERR_ACCESS', 'permission denied'],
  [abi.MPI_ERR_AMODE, 'MPI_ERR_AMODE', 'invalid file access mode'],
  [abi.MPI_ERR_BAD_FILE, 'MPI_ERR_BAD_FILE', 'invalid file name'],
  [abi.MPI_ERR_CONVERSION, 'MPI_ERR_CONVERSION', 'error in a data conversion function'],
  [abi.MPI_ERR_DUP_DATAREP, 'MPI_ERR_DUP_DATAREP', 'data representation identifier already registered'],
  [abi.MPI_ERR_FILE_EXISTS, 'MPI_ERR_FILE_EXISTS', 'file exists'],
  [abi.MPI_ERR_FILE_IN_USE, 'MPI_ERR_FILE_IN_USE', 'file is in use'],
  [abi.MPI_ERR_FILE, 'MPI_ERR_FILE', 'invalid file handle'],
  [abi.MPI_ERR_INFO, 'MPI_ERR_INFO', 'invalid info object'],
  [abi.MPI_ERR_INFO_KEY, 'MPI_ERR_INFO_KEY', 'info key too long'],
  [abi.MPI_ERR_INFO_VALUE, 'MPI_ERR_INFO_VALUE', 'info value too long'],
  [abi.MPI_ERR_INFO_NOKEY, 'MPI_ERR_INFO_NOKEY', 'no such info key'],
  [abi.MPI_ERR_IO, 'MPI_ERR_IO', 'I/O error'],
  [abi.MPI_ERR_NAME, 'MPI_ERR_NAME', 'invalid service name'],
  [abi.MPI_ERR_NO_MEM, 'MPI_ERR_NO_MEM', 'out of memory'],
  [abi.MPI_ERR_NOT_SAME, 'MPI_ERR_NOT_SAME', 'collective arguments not identical on all processes'],
  [abi.MPI_ERR_NO_SPACE, 'MPI_ERR_NO_SPACE', 'not enough space'],
  [abi.MPI_ERR_NO_SUCH_FILE, 'MPI_ERR_NO_SUCH_FILE', 'no such file'],
  [abi.MPI_ERR_PORT, 'MPI_ERR_PORT', 'invalid port name'],
  [abi.MPI_ERR_QUOTA, 'MPI_ERR_QUOTA', 'quota exceeded'],
  [abi.MPI_ERR_READ_ONLY, 'MPI_ERR_READ_ONLY', 'read-only file or file system'],
  [abi.MPI_ERR_SERVICE, 'MPI_ERR_SERVICE', 'invalid service name to unpublish'],
  [abi.MPI_ERR_SPAWN, 'MPI_ERR_SPAWN', 'error spawning processes'],
  [abi.MPI_ERR_UNSUPPORTED_DATAREP, 'MPI_ERR_UNSUPPORTED_DATAREP', 'unsupported data representation'],
  [abi.MPI_ERR_UNSUPPORTED_OPERATION, 'MPI_ERR_UNSUPPORTED_OPERATION', 'unsupported operation'],
  [abi.MPI_ERR_WIN, 'MPI_ERR_WIN', 'invalid window'],
  [abi.MPI_ERR_BASE, 'MPI_ERR_BASE', 'invalid base address'],
  [abi.MPI_ERR_LOCKTYPE, 'MPI_ERR_LOCKTYPE', 'invalid lock type'],
  [abi.MPI_ERR_KEYVAL, 'MPI_ERR_KEYVAL', 'invalid keyval'],
  [abi.MPI_ERR_RMA_CONFLICT, 'MPI_ERR_RMA_CONFLICT', 'conflicting accesses to a window'],
  [abi.MPI_ERR_RMA_SYNC, 'MPI_ERR_RMA_SYNC', 'wrong synchronisation of RMA calls'],
  [abi.MPI_ERR_SIZE, 'MPI_ERR_SIZE', 'invalid size argument'],
  [abi.MPI_ERR_DISP, 'MPI_ERR_DISP', 'invalid displacement argument'],
  [abi.MPI_ERR_ASSERT, 'MPI_ERR_ASSERT', 'invalid assert argument'],
  [abi.MPI_ERR_RMA_RANGE, 'MPI_ERR_RMA_RANGE', 'target memory is outside the window'],
  [abi.MPI_ERR_RMA_ATTACH, 'MPI_ERR_RMA_ATTACH', 'memory cannot be attached to the window'],
  [abi.MPI_ERR_RMA_SHARED, 'MPI_ERR_RMA_SHARED', 'memory cannot be shared'],
  [abi.MPI_ERR_RMA_FLAVOR, 'MPI_ERR_RMA_FLAVOR', 'wrong window flavor'],
];

export const ERROR_CLASS_NAMES: Readonly<Record<number, string>> = Object.fromEntries(CLASS_TABLE.map(([c, n]) => [c, n]));
const ERROR_CLASS_TEXT: Readonly<Record<number, string>> = Object.fromEntries(CLASS_TABLE.map(([c, , t]) => [c, t]));

export function errorClassName(errorClass: number): string {
  return ERROR_CLASS_NAMES[errorClass] ?? `MPI error class ${errorClass}`;
}

/** True for the predefined classes (0..MPI_ERR_RMA_FLAVOR). */
export function isPredefinedErrorClass(code: number): boolean {
  return Number.isInteger(code) && code >= 0 && code <= abi.LAST_PREDEFINED_ERROR_CLASS;
}

/** MPI_Error_string's text for a predefined class: "MPI_ERR_RANK: invalid rank". */
export function predefinedErrorString(errorClass: number): string | undefined {
  const name = ERROR_CLASS_NAMES[errorClass];
  return name === undefined ? undefined : `${name}: ${ERROR_CLASS_TEXT[errorClass]}`;
}

const PREDEFINED_HANDLERS = new Set([abi.MPI_ERRORS_ARE_FATAL, abi.MPI_ERRORS_RETURN, abi.MPI_ERRORS_ABORT]);

export function isPredefinedErrhandler(handle: number): boolean {
  return PREDEFINED_HANDLERS.has(handle >>> 0);
}

interface UserCode {
  /** The class of this code (itself for a class made by MPI_Add_error_class). */
  errorClass: number;
  text: string;
}

/** A handler made by MPI_Comm_create_errhandler (or the window equivalent). */
interface UserHandler {
  /** Guest function-table index of the handler. */
  fnIndex: number;
  kind: 'comm' | 'win' | 'file';
}

export class ErrorHandlers {
  /** Handlers made by MPI_*_create_errhandler (kept after MPI_Errhandler_free while communicators use them). */
  readonly user = new HandleTable<UserHandler>(abi.USER_ERRHANDLER_TAG);
  /** Calls a user handler in the guest (installed by the host functions below). */
  invoke?: (h: UserHandler, comm: number, code: number) => void;
  /** Communicator handle -> error handler handle; absent means MPI_ERRORS_ARE_FATAL. */
  private readonly handlers = new Map<number, number>();
  /** Codes and classes added by MPI_Add_error_class / MPI_Add_error_code. */
  private readonly userCodes = new Map<number, UserCode>();
  /** The next code MPI_Add_error_class / MPI_Add_error_code hands out. */
  private nextUserCode = abi.FIRST_USER_ERROR_CODE;

  constructor(private readonly worldRank: number) {}

  handlerOf(comm: number): number {
    return this.handlers.get(comm >>> 0) ?? abi.MPI_ERRORS_ARE_FATAL;
  }

  set(comm: number, handler: number): void {
    this.handlers.set(comm >>> 0, handler >>> 0);
  }

  /** A new communicator made from `parent` (MPI_Comm_dup, split, ...) inherits its error handler. */
  inherit(parent: number, child: number): void {
    const h = this.handlers.get(parent >>> 0);
    if (h !== undefined) this.handlers.set(child >>> 0, h);
  }

  /** Forgets a freed communicator's handler. */
  forget(comm: number): void {
    this.handlers.delete(comm >>> 0);
  }

  /** Reports an error on `comm` (MPI_COMM_WORLD's handler when there is no valid communicator). */
  raise(comm: number, fn: string, errorClass: number, problem: string): number {
    const handler = this.handlerOf(comm) >>> 0;
    if (handler === (abi.MPI_ERRORS_RETURN >>> 0)) return errorClass;
    const user = this.user.get(handler);
    if (user && this.invoke) {
      this.invoke(user, comm, errorClass);
      return errorClass;
    }
    throw new JobAbort(1, `rank ${this.worldRank}: ${fn}: ${problem} (${this.className(errorClass)})`);
  }

  /** The name of a class for messages (predefined name, or "user error class 0x40000000"). */
  className(errorClass: number): string {
    const u = this.userCodes.get(errorClass);
    if (u) return `user error class 0x${u.errorClass.toString(16)}`;
    return errorClassName(errorClass);
  }

  // ---- codes and classes -------------------------------------------------------------------------------------

  /** The class of an error code, or undefined if the code is unknown. */
  classOf(code: number): number | undefined {
    if (isPredefinedErrorClass(code)) return code;
    return this.userCodes.get(code)?.errorClass;
  }

  /** MPI_Error_string's text, or undefined if the code is unknown. */
  text(code: number): string | undefined {
    if (isPredefinedErrorClass(code)) return predefinedErrorString(code);
    return this.userCodes.get(code)?.text;
  }

  /** The largest code in use (the MPI_LASTUSEDCODE attribute). */
  get lastUsedCode(): number {
    return this.nextUserCode === abi.FIRST_USER_ERROR_CODE ? abi.MPI_ERR_LASTCODE : this.nextUserCode - 1;
  }

  addClass(): number | undefined {
    if (this.nextUserCode > 0x7fffffff) return undefined;
    const c = this.nextUserCode++;
    this.userCodes.set(c, { errorClass: c, text: '' });
    return c;
  }

  /** A new code of `errorClass`, or undefined if the class is unknown. */
  addCode(errorClass: number): number | undefined {
    if (this.nextUserCode > 0x7fffffff) return undefined;
    const known = isPredefinedErrorClass(errorClass) || this.userCodes.get(errorClass)?.errorClass === errorClass;
    if (!known) return undefined;
    const c = this.nextUserCode++;
    this.userCodes.set(c, { errorClass, text: '' });
    return c;
  }

  /** Sets the text of a user code; false if the code is not one added by this rank. */
  setText(code: number, text: string): boolean {
    const u = this.userCodes.get(code);
    if (!u) return false;
    u.text = text;
    return true;
  }
}
