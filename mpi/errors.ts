// MPI error classes and error handlers. Every host function reports a problem through ErrorHandlers.raise:
// with MPI_ERRORS_RETURN (per communicator) the call returns the error code; with MPI_ERRORS_ARE_FATAL (the
// default) or MPI_ERRORS_ABORT the whole job ends with a message naming the rank, the function and the problem.
//
// Error codes the runtime returns are error classes. MPI_Add_error_class / MPI_Add_error_code hand out numbers
// from FIRST_USER_ERROR_CODE (0x40000000, above MPI_ERR_LASTCODE) upward, per rank; a user class is its own class.
//
// The host functions here (errorsPart): MPI_Error_string, MPI_Error_class, MPI_Comm_set/get_errhandler,
// MPI_Comm_create_errhandler, MPI_Comm_call_errhandler, MPI_Errhandler_free, MPI_Add_error_class/code/string.
//
// A user handler (MPI_Comm_create_errhandler) is a guest function-table index; raise() calls it (through the
// invoker the host functions install) with pointers to the communicator handle and the code in the runtime's
// scratch space and a null varargs pointer (a handler declared without "..." ignores it); the call then returns
// the code, as under MPI_ERRORS_RETURN.
import * as abi from './abi.js';
import { errorClassName, isPredefinedErrhandler, isPredefinedErrorClass } from './error-handlers.js';
import type { MpiPart, MpiRank } from './rank.js';

// ---------------------------------------------------------------------------------------------------------------
// Host functions

/** A guest function by table index (undefined if the index names none). */
function guestFunction(rank: MpiRank, index: number): ((...args: number[]) => unknown) | undefined {
  const table = rank.guestExports().__indirect_function_table as WebAssembly.Table | undefined;
  if (!table || index <= 0 || index >= table.length) return undefined;
  return (table.get(index) as ((...args: number[]) => unknown) | null) ?? undefined;
}

function functions(rank: MpiRank) {
  const mem = rank.mem;
  const errors = () => rank.errors;
  const world = abi.MPI_COMM_WORLD;
  const argError = (fn: string, problem: string) => errors().raise(world, fn, abi.MPI_ERR_ARG, problem);
  if (rank.errors) {
    rank.errors.invoke = (h, comm, code) => {
      const f = guestFunction(rank, h.fnIndex);
      if (!f) rank.fatal('MPI error handler', 'MPI_ERR_OTHER', `user error handler ${h.fnIndex} is not a function of the module`);
      rank.withScratch(8, (at) => {
        mem.setI32(at, comm);
        mem.setI32(at + 4, code);
        f(at, at + 4, 0);
      });
    };
  }
  const createHandler = (fn: string, kind: 'comm' | 'win' | 'file') => (fnIndex: number, handlerPtr: number) => {
    rank.requireActive(fn);
    mem.span(handlerPtr, 4, 'errhandler');
    if (!guestFunction(rank, fnIndex)) return argError(fn, `the handler (function ${fnIndex}) is not a function of the module`);
    mem.setI32(handlerPtr, errors().user.add({ fnIndex, kind }));
    return abi.MPI_SUCCESS;
  };

  return {
    // MPI-4.0 allows MPI_Error_string / MPI_Error_class at any time; they only read tables.
    MPI_Error_string: (code: number, stringPtr: number, lenPtr: number) => {
      const text = errors().text(code);
      if (text === undefined) return argError('MPI_Error_string', `invalid error code ${code}`);
      mem.setI32(lenPtr, mem.writeCString(stringPtr, abi.MPI_MAX_ERROR_STRING, text));
      return abi.MPI_SUCCESS;
    },
    MPI_Error_class: (code: number, classPtr: number) => {
      const cls = errors().classOf(code);
      if (cls === undefined) return argError('MPI_Error_class', `invalid error code ${code}`);
      mem.setI32(classPtr, cls);
      return abi.MPI_SUCCESS;
    },
    MPI_Comm_set_errhandler: (comm: number, handler: number) => {
      rank.requireActive('MPI_Comm_set_errhandler');
      const c = rank.comm('MPI_Comm_set_errhandler', comm);
      if (typeof c === 'number') return c;
      const user = errors().user.get(handler);
      if (!isPredefinedErrhandler(handler) && user?.kind !== 'comm') {
        return errors().raise(c.handle, 'MPI_Comm_set_errhandler', abi.MPI_ERR_ARG, `invalid error handler 0x${(handler >>> 0).toString(16)}${user ? ` (made for a ${user.kind})` : ''}`);
      }
      errors().set(c.handle, handler);
      return abi.MPI_SUCCESS;
    },
    MPI_Comm_get_errhandler: (comm: number, handlerPtr: number) => {
      rank.requireActive('MPI_Comm_get_errhandler');
      const c = rank.comm('MPI_Comm_get_errhandler', comm);
      if (typeof c === 'number') return c;
      mem.setI32(handlerPtr, errors().handlerOf(c.handle));
      return abi.MPI_SUCCESS;
    },
    MPI_Comm_create_errhandler: createHandler('MPI_Comm_create_errhandler', 'comm'),
    MPI_Win_create_errhandler: createHandler('MPI_Win_create_errhandler', 'win'),
    MPI_File_create_errhandler: createHandler('MPI_File_create_errhandler', 'file'),
    /** Invokes the communicator's handler: MPI_SUCCESS after MPI_ERRORS_RETURN or a user handler returns. */
    MPI_Comm_call_errhandler: (comm: number, code: number) => {
      rank.requireActive('MPI_Comm_call_errhandler');
      const c = rank.comm('MPI_Comm_call_errhandler', comm);
      if (typeof c === 'number') return c;
      const e = errors();
      const text = e.text(code);
      const what = text ? `error code ${code}: ${text}` : `error code ${code}`;
      // A user handler gets the code itself; a fatal message names its class.
      e.raise(c.handle, 'MPI_Comm_call_errhandler', code, what);
      return abi.MPI_SUCCESS;
    },
    MPI_Errhandler_free: (handlerPtr: number) => {
      rank.requireActive('MPI_Errhandler_free');
      const h = mem.i32(handlerPtr);
      if (!isPredefinedErrhandler(h) && !errors().user.get(h)) return argError('MPI_Errhandler_free', `invalid error handler 0x${(h >>> 0).toString(16)}`);
      // Handlers are never deallocated (a communicator may still use a user one); the caller's reference
      // becomes MPI_ERRHANDLER_NULL.
      mem.setI32(handlerPtr, abi.MPI_ERRHANDLER_NULL);
      return abi.MPI_SUCCESS;
    },
    MPI_Add_error_class: (classPtr: number) => {
      rank.requireActive('MPI_Add_error_class');
      const c = errors().addClass();
      if (c === undefined) return errors().raise(world, 'MPI_Add_error_class', abi.MPI_ERR_OTHER, 'no error codes left');
      mem.setI32(classPtr, c);
      return abi.MPI_SUCCESS;
    },
    MPI_Add_error_code: (errorClass: number, codePtr: number) => {
      rank.requireActive('MPI_Add_error_code');
      const c = errors().addCode(errorClass);
      if (c === undefined) return argError('MPI_Add_error_code', `invalid error class ${errorClass}`);
      mem.setI32(codePtr, c);
      return abi.MPI_SUCCESS;
    },
    MPI_Add_error_string: (code: number, stringPtr: number) => {
      rank.requireActive('MPI_Add_error_string');
      if (isPredefinedErrorClass(code)) {
        return argError('MPI_Add_error_string', `cannot change the string of predefined error code ${errorClassName(code)}`);
      }
      const text = mem.readCString(stringPtr, abi.MPI_MAX_ERROR_STRING, 'string');
      if (text.length >= abi.MPI_MAX_ERROR_STRING) {
        return argError('MPI_Add_error_string', `string longer than MPI_MAX_ERROR_STRING - 1 (${abi.MPI_MAX_ERROR_STRING - 1}) characters`);
      }
      if (!errors().setText(code, text)) return argError('MPI_Add_error_string', `invalid error code ${code}`);
      return abi.MPI_SUCCESS;
    },
  };
}

export const errorsPart: MpiPart = {
  names: Object.keys(functions({} as MpiRank)),
  functions,
};
