/* MPI_Comm_get_attr lives in the guest because MPI hands back a pointer to the value of a predefined
 * attribute (MPI_TAG_UB, MPI_HOST, ...): that value must be in this module's memory, so it is kept here and
 * the host fills it in. For a user keyval (MPI_Comm_create_keyval) the host writes the stored attribute value
 * itself into *attribute_val and the slot is unused; user copy/delete callbacks are called by the host through
 * the exported function table (mpi/attributes.ts), so nothing else is needed here. */
#include <mpi.h>

__attribute__((import_module("faasmpi_mpi"), import_name("faasmpi_comm_get_attr")))
int faasmpi_comm_get_attr(MPI_Comm comm, int keyval, int *predefined_value, void *attribute_val, int *flag);

/* One slot per predefined attribute (their keyvals are 0x64400001, 0x64400003, ...). */
static int predefined_values[8];

static int get_attr(MPI_Comm comm, int keyval, void *attribute_val, int *flag) {
  return faasmpi_comm_get_attr(comm, keyval, &predefined_values[(keyval >> 1) & 7], attribute_val, flag);
}

int MPI_Comm_get_attr(MPI_Comm comm, int keyval, void *attribute_val, int *flag) { return get_attr(comm, keyval, attribute_val, flag); }
int PMPI_Comm_get_attr(MPI_Comm comm, int keyval, void *attribute_val, int *flag) { return get_attr(comm, keyval, attribute_val, flag); }
int MPI_Attr_get(MPI_Comm comm, int keyval, void *attribute_val, int *flag) { return get_attr(comm, keyval, attribute_val, flag); }
int PMPI_Attr_get(MPI_Comm comm, int keyval, void *attribute_val, int *flag) { return get_attr(comm, keyval, attribute_val, flag); }
