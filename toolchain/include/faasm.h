/* faasmpi: Faaslet group information (host functions, module "faasmpi_faasm"). */
#ifndef FAASMPI_FAASM_H
#define FAASMPI_FAASM_H

#ifdef __cplusplus
extern "C" {
#endif

#define FAASM_IMPORT(name) __attribute__((import_module("faasmpi_faasm"), import_name(#name)))

/* Index of this Faaslet in its group (0-based). */
int faasm_faaslet_index(void) FAASM_IMPORT(faasm_faaslet_index);
/* Number of Faaslets in the group. */
int faasm_faaslet_count(void) FAASM_IMPORT(faasm_faaslet_count);

#undef FAASM_IMPORT

#ifdef __cplusplus
}
#endif
#endif
