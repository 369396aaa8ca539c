// WASI preview1 errno values (wasi_snapshot_preview1 `errno` enum) and the mapping from Node's fs error codes.

export const Errno = {
  SUCCESS: 0, '2BIG': 1, ACCES: 2, ADDRINUSE: 3, ADDRNOTAVAIL: 4, AFNOSUPPORT: 5, AGAIN: 6, ALREADY: 7,
  BADF: 8, BADMSG: 9, BUSY: 10, CANCELED: 11, CHILD: 12, CONNABORTED: 13, CONNREFUSED: 14, CONNRESET: 15,
  DEADLK: 16, DESTADDRREQ: 17, DOM: 18, DQUOT: 19, EXIST: 20, FAULT: 21, FBIG: 22, HOSTUNREACH: 23,
  IDRM: 24, ILSEQ: 25, INPROGRESS: 26, INTR: 27, INVAL: 28, IO: 29, ISCONN: 30, ISDIR: 31,
  LOOP: 32, MFILE: 33, MLINK: 34, MSGSIZE: 35, MULTIHOP: 36, NAMETOOLONG: 37, NETDOWN: 38, NETRESET: 39,
  NETUNREACH: 40, NFILE: 41, NOBUFS: 42, NODEV: 43, NOENT: 44, NOEXEC: 45, NOLCK: 46, NOLINK: 47,
  NOMEM: 48, NOMSG: 49, NOPROTOOPT: 50, NOSPC: 51, NOSYS: 52, NOTCONN: 53, NOTDIR: 54, NOTEMPTY: 55,
  NOTRECOVERABLE: 56, NOTSOCK: 57, NOTSUP: 58, NOTTY: 59, NXIO: 60, OVERFLOW: 61, OWNERDEAD: 62, PERM: 63,
  PIPE: 64, PROTO: 65, PROTONOSUPPORT: 66, PROTOTYPE: 67, RANGE: 68, ROFS: 69, SPIPE: 70, SRCH: 71,
  STALE: 72, TIMEDOUT: 73, TXTBSY: 74, XDEV: 75, NOTCAPABLE: 76,
} as const;

export type ErrnoValue = (typeof Errno)[keyof typeof Errno];

/** Node codes whose name differs from the WASI name (Linux aliases). */
const ALIASES: Record<string, number> = {
  EOPNOTSUPP: Errno.NOTSUP,
  EWOULDBLOCK: Errno.AGAIN,
  EDEADLOCK: Errno.DEADLK,
};

/** Map a Node fs error code ('ENOENT', ...) to a WASI errno; unknown codes become EIO (never a silent success). */
export function errnoFromCode(code: string | undefined): number {
  if (!code) return Errno.IO;
  if (code in ALIASES) return ALIASES[code]!;
  const name = code.startsWith('E') ? code.slice(1) : code;
  const v = (Errno as Record<string, number>)[name];
  return v !== undefined && v !== 0 ? v : Errno.IO;
}

/** Thrown inside the WASI implementation to return a specific errno; caught at the host-function boundary. */
export class WasiError extends Error {
  constructor(readonly errno: number) {
    super(`wasi errno ${errno}`);
    this.name = 'WasiError';
  }
}

/** Any exception -> errno: WasiError keeps its value, Node system errors are mapped, bad pointers are EFAULT. */
export function errnoFromException(e: unknown): number {
  if (e instanceof WasiError) return e.errno;
  const code = (e as { code?: unknown } | null)?.code;
  // Node argument validation (ERR_OUT_OF_RANGE, ERR_INVALID_ARG_VALUE...): the guest passed a value Node refuses.
  if (typeof code === 'string' && code.startsWith('ERR_')) return Errno.INVAL;
  if (typeof code === 'string') return errnoFromCode(code);
  if (e instanceof RangeError) return Errno.FAULT; // out-of-bounds view on linear memory
  return Errno.IO;
}
