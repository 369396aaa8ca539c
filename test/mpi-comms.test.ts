// Communicators, groups, attributes and topologies, end to end: self-checking C programs in
// test/programs/comm_*.c built with faasmpicc and run with faasmpirun at 1-4 ranks. Each program prints
// "FAIL rank R: <what> expected X got Y" for a failed check and exits 1; on success every rank prints exactly
// "OK <program> rank R". They use point-to-point traffic only (no collectives), and every one also passes
// under Open MPI 4.1 (mpicc -O2 + mpirun) at 1-4 ranks.
import { SelfChecking, type SelfCheckingProgram } from './helpers.js';

const programs = new SelfChecking('faasmpi-comms-');

const selfChecking: SelfCheckingProgram[] = [
  { name: 'comm_split', what: 'split (parity, reversed keys, UNDEFINED), split_type SHARED, create, create_group, compare, names, free', timeoutMs: 60_000 },
  { name: 'comm_dup', what: 'dup isolation (same envelope on WORLD and dups, wildcards, probe), error handler inheritance', timeoutMs: 60_000 },
  { name: 'comm_groups', what: 'group incl/excl/ranges, union/intersection/difference, translate_ranks, compare, Comm_create', timeoutMs: 60_000 },
  { name: 'comm_keyval', what: 'keyvals with copy/delete callbacks, DUP_FN, NULL_COPY_FN, set/get/delete_attr, free_keyval', timeoutMs: 60_000 },
  { name: 'comm_cart', what: 'Dims_create, 3-D Cartesian with mixed periodicity, shifts at the edges, Cart_sub, neighbour collectives', timeoutMs: 60_000 },
  { name: 'comm_graph', what: 'distributed graph ring and weighted star, neighbour allgather/alltoall', timeoutMs: 60_000 },
];

programs.describeAll(selfChecking);

// Issue 16: intercommunicators (even and odd world ranks as the two groups; 1 rank only checks it starts).
programs.describeAll([
  { name: 'inter_comm', what: 'Intercomm_create/merge, remote size/group, p2p, rooted collectives both ways, Allreduce, Allgather(v), Alltoall(v), I* collectives, dup/split/create', timeoutMs: 60_000 },
], [1, 2, 3, 4, 5, 6]);

// Issue 16: MPI_Info, communicator hints, MPI_Comm_idup, MPI_Alloc_mem, the MPI-1 attribute calls.
programs.describeAll([
  { name: 'comm_info', what: 'Info_* family, Comm_set/get_info, dup_with_info, idup, Alloc_mem/Free_mem, Keyval_create/Attr_put/get/delete', timeoutMs: 60_000 },
], [1, 2, 3]);

// Issue 16: the other neighbourhood collectives and the nonblocking ones (schedules in collectives/neighbor.ts).
programs.describeAll([
  { name: 'comm_neighbor_v', what: 'Neighbor_allgatherv/alltoallv/alltoallw and every Ineighbor_* on a periodic ring and a graph with repeated edges', timeoutMs: 60_000 },
], [1, 2, 3, 4, 5]);

// Issue 16: MPI_Graph_create and its queries, Graph_map/Cart_map, the general MPI_Dist_graph_create.
programs.describeAll([
  { name: 'comm_graph_general', what: 'Graph_create/dims_get/get/neighbors(_count), graph neighbour collectives, Graph_map, Cart_map, Dist_graph_create', timeoutMs: 60_000 },
], [1, 2, 3, 4, 5]);

// Issue 16: user error handlers.
programs.describeAll([
  { name: 'comm_errhandler', what: 'Comm_create_errhandler: the handler runs with comm and code, the call returns; call_errhandler, inheritance, free', timeoutMs: 30_000 },
], [1, 2]);

// Issue 16 bug 3: delete callbacks never ran at MPI_Finalize.
programs.describeAll([
  { name: 'comm_finalize_attr', what: 'MPI_Finalize deletes MPI_COMM_SELF attributes newest first, then MPI_COMM_WORLD\'s', timeoutMs: 30_000 },
], [1, 2]);
