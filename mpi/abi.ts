// The numeric ABI shared with toolchain/include/mpi.h. test/mpi-abi.test.ts compiles a program that prints every
// object-like MPI_* macro of the header and checks it against the MPI_* constants here (and the other way round).
//
// Handles are MPICH-style 32-bit integers: the top byte says what kind of object, and whether it is
// predefined (0x4_/0x5_/0x6_ top nibble: built in), derived (0x8_/0x9_/0xa_/0xe_: made at run time, low 24 bits
// are a per-rank slot number) or the kind's null handle (0x0_/0x1_/0x2_). Wasm passes them to host functions as
// signed i32: normalise with `>>> 0` before comparing against these (unsigned) values.
//
//   kind           null          predefined                             derived (| slot)
//   communicator   0x04000000    WORLD 0x44000000, SELF 0x44000001      0x84000000
//   group          0x08000000    MPI_GROUP_EMPTY 0x48000000             0x88000000
//   datatype       0x0c000000    0x4c000000 | size << 8 | index         0x8c000000   (mpi/datatypes/handles.ts)
//   errhandler     0x14000000    ERRORS_ARE_FATAL 0x54000000, ERRORS_RETURN 0x54000001, ERRORS_ABORT 0x54000003
//   op             0x18000000    0x58000001 (MPI_MAX) .. 0x5800000e (MPI_NO_OP)   user ops 0x98000000
//   info           0x1c000000
//   win            0x20000000
//   keyval         0x24000000    predefined attributes 0x644000xx (odd)  user keyvals 0xa4000000
//   request        0x2c000000    -                                       0xac000000
//   message        0x2c000000 (= MPI_REQUEST_NULL), MPI_MESSAGE_NO_PROC 0x6c000000, live 0xec000000
//
// MPI_Status (20 bytes, see mpi/status.ts): MPI_SOURCE, MPI_TAG, MPI_ERROR, count_lo, count_hi_and_cancelled;
// the count is in bytes (63 bits: low 32 in count_lo, high 31 in bits 0..30 of the last word; bit 31 = cancelled).
//
// Pointer sentinels are guest addresses (signed i32 as wasm passes them): MPI_BOTTOM 0, MPI_IN_PLACE -1,
// MPI_STATUS(ES)_IGNORE 1, MPI_ERRCODES_IGNORE 0, MPI_UNWEIGHTED 1, MPI_WEIGHTS_EMPTY 2.
// Attribute callbacks are function-table indices: MPI_COMM_NULL_COPY_FN and MPI_COMM_NULL_DELETE_FN are 0 (the
// null function), MPI_COMM_DUP_FN is -1 (never a table index; wasm-ld puts real functions at 1, 2, ...).

export * from './datatypes/handles.js';

// ---- error classes (MPICH numbering); codes returned by the runtime are classes ----
export const MPI_SUCCESS = 0;
export const MPI_ERR_BUFFER = 1;
export const MPI_ERR_COUNT = 2;
export const MPI_ERR_TYPE = 3;
export const MPI_ERR_TAG = 4;
export const MPI_ERR_COMM = 5;
export const MPI_ERR_RANK = 6;
export const MPI_ERR_ROOT = 7;
export const MPI_ERR_GROUP = 8;
export const MPI_ERR_OP = 9;
export const MPI_ERR_TOPOLOGY = 10;
export const MPI_ERR_DIMS = 11;
export const MPI_ERR_ARG = 12;
export const MPI_ERR_UNKNOWN = 13;
export const MPI_ERR_TRUNCATE = 14;
export const MPI_ERR_OTHER = 15;
export const MPI_ERR_INTERN = 16;
export const MPI_ERR_IN_STATUS = 17;
export const MPI_ERR_PENDING = 18;
export const MPI_ERR_REQUEST = 19;
export const MPI_ERR_ACCESS = 20;
export const MPI_ERR_AMODE = 21;
export const MPI_ERR_BAD_FILE = 22;
export const MPI_ERR_CONVERSION = 23;
export const MPI_ERR_DUP_DATAREP = 24;
export const MPI_ERR_FILE_EXISTS = 25;
export const MPI_ERR_FILE_IN_USE = 26;
export const MPI_ERR_FILE = 27;
export const MPI_ERR_INFO = 28;
export const MPI_ERR_INFO_KEY = 29;
export const MPI_ERR_INFO_VALUE = 30;
export const MPI_ERR_INFO_NOKEY = 31;
export const MPI_ERR_IO = 32;
export const MPI_ERR_NAME = 33;
export const MPI_ERR_NO_MEM = 34;
export const MPI_ERR_NOT_SAME = 35;
export const MPI_ERR_NO_SPACE = 36;
export const MPI_ERR_NO_SUCH_FILE = 37;
export const MPI_ERR_PORT = 38;
export const MPI_ERR_QUOTA = 39;
export const MPI_ERR_READ_ONLY = 40;
export const MPI_ERR_SERVICE = 41;
export const MPI_ERR_SPAWN = 42;
export const MPI_ERR_UNSUPPORTED_DATAREP = 43;
export const MPI_ERR_UNSUPPORTED_OPERATION = 44;
export const MPI_ERR_WIN = 45;
export const MPI_ERR_BASE = 46;
export const MPI_ERR_LOCKTYPE = 47;
export const MPI_ERR_KEYVAL = 48;
export const MPI_ERR_RMA_CONFLICT = 49;
export const MPI_ERR_RMA_SYNC = 50;
export const MPI_ERR_SIZE = 51;
export const MPI_ERR_DISP = 52;
export const MPI_ERR_ASSERT = 53;
export const MPI_ERR_RMA_RANGE = 54;
export const MPI_ERR_RMA_ATTACH = 55;
export const MPI_ERR_RMA_SHARED = 56;
export const MPI_ERR_RMA_FLAVOR = 57;
/** Largest predefined error class (predefined classes are 0..57). */
export const LAST_PREDEFINED_ERROR_CLASS = MPI_ERR_RMA_FLAVOR;
export const MPI_ERR_LASTCODE = 0x3fffffff;
/** MPI_Add_error_class / MPI_Add_error_code hand out FIRST_USER_ERROR_CODE, +1, ... (above MPI_ERR_LASTCODE). */
export const FIRST_USER_ERROR_CODE = 0x40000000;

// ---- communicators ----
export const MPI_COMM_NULL = 0x04000000;
export const MPI_COMM_WORLD = 0x44000000;
export const MPI_COMM_SELF = 0x44000001;
export const DERIVED_COMM_TAG = 0x84000000;

// ---- groups ----
export const MPI_GROUP_NULL = 0x08000000;
export const MPI_GROUP_EMPTY = 0x48000000;
export const DERIVED_GROUP_TAG = 0x88000000;

// ---- requests and messages ----
export const MPI_REQUEST_NULL = 0x2c000000;
export const REQUEST_TAG = 0xac000000;
export const MPI_MESSAGE_NULL = MPI_REQUEST_NULL;
export const MPI_MESSAGE_NO_PROC = 0x6c000000;
export const MESSAGE_TAG = 0xec000000;

// ---- reduction operations ----
export const MPI_OP_NULL = 0x18000000;
export const MPI_MAX = 0x58000001;
export const MPI_MIN = 0x58000002;
export const MPI_SUM = 0x58000003;
export const MPI_PROD = 0x58000004;
export const MPI_LAND = 0x58000005;
export const MPI_BAND = 0x58000006;
export const MPI_LOR = 0x58000007;
export const MPI_BOR = 0x58000008;
export const MPI_LXOR = 0x58000009;
export const MPI_BXOR = 0x5800000a;
export const MPI_MINLOC = 0x5800000b;
export const MPI_MAXLOC = 0x5800000c;
export const MPI_REPLACE = 0x5800000d;
export const MPI_NO_OP = 0x5800000e;
export const USER_OP_TAG = 0x98000000;

// ---- error handlers ----
export const MPI_ERRHANDLER_NULL = 0x14000000;
/** MPI_Comm_create_errhandler's handlers: USER_ERRHANDLER_TAG | slot. */
export const USER_ERRHANDLER_TAG = 0x94000000;
export const MPI_ERRORS_ARE_FATAL = 0x54000000;
export const MPI_ERRORS_RETURN = 0x54000001;
/** MPI-4.0's MPI_ERRORS_ABORT; here it ends the whole job, like MPI_ERRORS_ARE_FATAL. */
export const MPI_ERRORS_ABORT = 0x54000003;

// ---- info, windows ----
export const MPI_INFO_NULL = 0x1c000000;
/** MPI_INFO_ENV: the predefined info of the execution environment (empty here). */
export const MPI_INFO_ENV = 0x5c000000;
export const INFO_TAG = 0x9c000000;
export const MPI_MAX_INFO_KEY = 255;
export const MPI_MAX_INFO_VAL = 1024;

// ---- MPI_Type_match_size ----
export const MPI_TYPECLASS_INTEGER = 1;
export const MPI_TYPECLASS_REAL = 2;
export const MPI_TYPECLASS_COMPLEX = 3;
export const MPI_WIN_NULL = 0x20000000;

// ---- keyvals and predefined attributes ----
export const MPI_KEYVAL_INVALID = 0x24000000;
export const USER_KEYVAL_TAG = 0xa4000000;
export const MPI_TAG_UB = 0x64400001;
export const MPI_HOST = 0x64400003;
export const MPI_IO = 0x64400005;
export const MPI_WTIME_IS_GLOBAL = 0x64400007;
export const MPI_UNIVERSE_SIZE = 0x64400009;
export const MPI_LASTUSEDCODE = 0x6440000b;
export const MPI_APPNUM = 0x6440000d;
/** The value of the MPI_TAG_UB attribute: the largest tag. */
export const TAG_UB_VALUE = 0x7fffffff;

// ---- attribute callbacks (function-table indices) ----
export const MPI_COMM_NULL_COPY_FN = 0;
export const MPI_COMM_NULL_DELETE_FN = 0;
export const MPI_COMM_DUP_FN = -1;
export const MPI_NULL_COPY_FN = MPI_COMM_NULL_COPY_FN;
export const MPI_NULL_DELETE_FN = MPI_COMM_NULL_DELETE_FN;
export const MPI_DUP_FN = MPI_COMM_DUP_FN;
export const MPI_TYPE_NULL_COPY_FN = MPI_COMM_NULL_COPY_FN;
export const MPI_TYPE_NULL_DELETE_FN = MPI_COMM_NULL_DELETE_FN;
export const MPI_TYPE_DUP_FN = MPI_COMM_DUP_FN;
export const MPI_WIN_NULL_COPY_FN = MPI_COMM_NULL_COPY_FN;
export const MPI_WIN_NULL_DELETE_FN = MPI_COMM_NULL_DELETE_FN;
export const MPI_WIN_DUP_FN = MPI_COMM_DUP_FN;

// ---- special ranks, tags, counts ----
export const MPI_ANY_SOURCE = -2;
export const MPI_PROC_NULL = -1;
export const MPI_ROOT = -3;
export const MPI_ANY_TAG = -1;
export const MPI_UNDEFINED = -32766;
export const MPI_BSEND_OVERHEAD = 64;

// ---- special addresses (guest pointers, signed as wasm passes them) ----
export const MPI_BOTTOM = 0;
export const MPI_IN_PLACE = -1;
export const MPI_STATUS_IGNORE = 1;
export const MPI_STATUSES_IGNORE = 1;
export const MPI_ERRCODES_IGNORE = 0;
export const MPI_UNWEIGHTED = 1;
export const MPI_WEIGHTS_EMPTY = 2;

// ---- comparison results, topologies, split types ----
export const MPI_IDENT = 0;
export const MPI_CONGRUENT = 1;
export const MPI_SIMILAR = 2;
export const MPI_UNEQUAL = 3;
export const MPI_GRAPH = 1;
export const MPI_CART = 2;
export const MPI_DIST_GRAPH = 3;
export const MPI_COMM_TYPE_SHARED = 1;

// ---- thread levels ----
export const MPI_THREAD_SINGLE = 0;
export const MPI_THREAD_FUNNELED = 1;
export const MPI_THREAD_SERIALIZED = 2;
export const MPI_THREAD_MULTIPLE = 3;

// ---- string lengths, versions ----
export const MPI_MAX_PROCESSOR_NAME = 128;
export const MPI_MAX_ERROR_STRING = 512;
export const MPI_MAX_LIBRARY_VERSION_STRING = 8192;
export const MPI_MAX_OBJECT_NAME = 128;
export const MPI_VERSION = 3;
export const MPI_SUBVERSION = 1;
