// The calls at which a rank may be captured (migration points). The post-link step instruments exactly what can
// reach these imports (Asyncify); the runtime unwinds only from inside them.

/** The import module of our mpi.h's functions (mpi/module.ts MPI_MODULE_NAME; kept here so the toolchain does
 * not load the runtime). */
export const MIGRATION_POINT_MODULE = 'faasmpi_mpi';

/** Only an all-rank MPI_Barrier for now: every rank passes it, so no message of an earlier collective is in flight. */
export const MIGRATION_POINTS: readonly string[] = ['MPI_Barrier'];
