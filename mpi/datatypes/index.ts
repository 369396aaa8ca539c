// The MPI datatype engine (host side): handles, the per-process registry of MPI_Type_* objects, and the copy
// routines that move (address, count, datatype) data between guest memories.
export * from './handles.js';
export {
  Datatype, MAX_BLOCKS, contiguousStart, flatten, getCount, getElements, isMpiError, mpiError, predefinedObject, wordBlocks,
  type Blocks, type IndexArray, type Layout, type MpiError, type TypeProps,
} from './datatype.js';
export { copy, pack, unpack, type CopyResult, type UnpackResult } from './copy.js';
export { DatatypeRegistry, type Contents, type Envelope } from './registry.js';
export { swapExternal32 } from './external32.js';
