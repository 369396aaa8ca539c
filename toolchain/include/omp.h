/* faasmpi omp.h: the OpenMP 5.1 runtime API. The runtime is provided by the host:
 * every omp_* function is imported from module "faasmpi_omp" under its own name
 * (as are the __kmpc_* entry points clang emits; see toolchain/guest/kmpc.imports). */
#ifndef FAASMPI_OMP_H
#define FAASMPI_OMP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#define FAASMPI_OMP_DEFAULT(v) = v
#else
#define FAASMPI_OMP_DEFAULT(v)
#endif

#define FAASMPI_OMP_IMPORT(n) __attribute__((import_module("faasmpi_omp"), import_name(#n)))
#define FAASMPI_OMP_FN(ret, n, args) ret n args FAASMPI_OMP_IMPORT(n);

/* ---- types ---- */
/* Lock storage lives in guest memory; its contents belong to the host runtime. */
typedef struct omp_lock_t { volatile int _faasmpi[2]; } omp_lock_t;
typedef struct omp_nest_lock_t { volatile int _faasmpi[4]; } omp_nest_lock_t;

typedef enum omp_sched_t {
  omp_sched_static = 1,
  omp_sched_dynamic = 2,
  omp_sched_guided = 3,
  omp_sched_auto = 4,
  omp_sched_monotonic = (int)0x80000000
} omp_sched_t;

typedef enum omp_proc_bind_t {
  omp_proc_bind_false = 0,
  omp_proc_bind_true = 1,
  omp_proc_bind_primary = 2,
  omp_proc_bind_master = 2,
  omp_proc_bind_close = 3,
  omp_proc_bind_spread = 4
} omp_proc_bind_t;

typedef enum omp_sync_hint_t {
  omp_sync_hint_none = 0,
  omp_sync_hint_uncontended = 1,
  omp_sync_hint_contended = 2,
  omp_sync_hint_nonspeculative = 4,
  omp_sync_hint_speculative = 8
} omp_sync_hint_t;
typedef omp_sync_hint_t omp_lock_hint_t;
#define omp_lock_hint_none omp_sync_hint_none
#define omp_lock_hint_uncontended omp_sync_hint_uncontended
#define omp_lock_hint_contended omp_sync_hint_contended
#define omp_lock_hint_nonspeculative omp_sync_hint_nonspeculative
#define omp_lock_hint_speculative omp_sync_hint_speculative

typedef enum omp_pause_resource_t { omp_pause_soft = 1, omp_pause_hard = 2 } omp_pause_resource_t;

typedef enum omp_control_tool_result_t {
  omp_control_tool_notool = -2,
  omp_control_tool_nocallback = -1,
  omp_control_tool_success = 0,
  omp_control_tool_ignored = 1
} omp_control_tool_result_t;
typedef enum omp_control_tool_t {
  omp_control_tool_start = 1,
  omp_control_tool_pause = 2,
  omp_control_tool_flush = 3,
  omp_control_tool_end = 4
} omp_control_tool_t;

typedef uintptr_t omp_event_handle_t;
typedef struct omp_depend_t { void *_faasmpi; } omp_depend_t;
typedef void *omp_interop_t;
#define omp_interop_none ((omp_interop_t)0)

/* ---- memory management ---- */
typedef uintptr_t omp_uintptr_t;
typedef uintptr_t omp_allocator_handle_t;
typedef uintptr_t omp_memspace_handle_t;
#define omp_null_allocator ((omp_allocator_handle_t)0)
#define omp_default_mem_alloc ((omp_allocator_handle_t)1)
#define omp_large_cap_mem_alloc ((omp_allocator_handle_t)2)
#define omp_const_mem_alloc ((omp_allocator_handle_t)3)
#define omp_high_bw_mem_alloc ((omp_allocator_handle_t)4)
#define omp_low_lat_mem_alloc ((omp_allocator_handle_t)5)
#define omp_cgroup_mem_alloc ((omp_allocator_handle_t)6)
#define omp_pteam_mem_alloc ((omp_allocator_handle_t)7)
#define omp_thread_mem_alloc ((omp_allocator_handle_t)8)
#define omp_default_mem_space ((omp_memspace_handle_t)0)
#define omp_large_cap_mem_space ((omp_memspace_handle_t)1)
#define omp_const_mem_space ((omp_memspace_handle_t)2)
#define omp_high_bw_mem_space ((omp_memspace_handle_t)3)
#define omp_low_lat_mem_space ((omp_memspace_handle_t)4)

typedef enum omp_alloctrait_key_t {
  omp_atk_sync_hint = 1, omp_atk_alignment = 2, omp_atk_access = 3, omp_atk_pool_size = 4,
  omp_atk_fallback = 5, omp_atk_fb_data = 6, omp_atk_pinned = 7, omp_atk_partition = 8
} omp_alloctrait_key_t;
typedef enum omp_alloctrait_value_t {
  omp_atv_false = 0, omp_atv_true = 1, omp_atv_contended = 3, omp_atv_uncontended = 4,
  omp_atv_serialized = 5, omp_atv_sequential = omp_atv_serialized, omp_atv_private = 6,
  omp_atv_all = 7, omp_atv_thread = 8, omp_atv_pteam = 9, omp_atv_cgroup = 10,
  omp_atv_default_mem_fb = 11, omp_atv_null_fb = 12, omp_atv_abort_fb = 13,
  omp_atv_allocator_fb = 14, omp_atv_environment = 15, omp_atv_nearest = 16,
  omp_atv_blocked = 17, omp_atv_interleaved = 18
} omp_alloctrait_value_t;
#define omp_atv_default ((omp_uintptr_t)-1)
typedef struct omp_alloctrait_t { omp_alloctrait_key_t key; omp_uintptr_t value; } omp_alloctrait_t;

/* ---- execution environment ---- */
FAASMPI_OMP_FN(void, omp_set_num_threads, (int num_threads))
FAASMPI_OMP_FN(int, omp_get_num_threads, (void))
FAASMPI_OMP_FN(int, omp_get_max_threads, (void))
FAASMPI_OMP_FN(int, omp_get_thread_num, (void))
FAASMPI_OMP_FN(int, omp_get_num_procs, (void))
FAASMPI_OMP_FN(int, omp_in_parallel, (void))
FAASMPI_OMP_FN(void, omp_set_dynamic, (int dynamic_threads))
FAASMPI_OMP_FN(int, omp_get_dynamic, (void))
FAASMPI_OMP_FN(int, omp_get_cancellation, (void))
FAASMPI_OMP_FN(void, omp_set_nested, (int nested))
FAASMPI_OMP_FN(int, omp_get_nested, (void))
FAASMPI_OMP_FN(void, omp_set_schedule, (omp_sched_t kind, int chunk_size))
FAASMPI_OMP_FN(void, omp_get_schedule, (omp_sched_t *kind, int *chunk_size))
FAASMPI_OMP_FN(int, omp_get_thread_limit, (void))
FAASMPI_OMP_FN(int, omp_get_supported_active_levels, (void))
FAASMPI_OMP_FN(void, omp_set_max_active_levels, (int max_levels))
FAASMPI_OMP_FN(int, omp_get_max_active_levels, (void))
FAASMPI_OMP_FN(int, omp_get_level, (void))
FAASMPI_OMP_FN(int, omp_get_ancestor_thread_num, (int level))
FAASMPI_OMP_FN(int, omp_get_team_size, (int level))
FAASMPI_OMP_FN(int, omp_get_active_level, (void))
FAASMPI_OMP_FN(int, omp_in_final, (void))
FAASMPI_OMP_FN(omp_proc_bind_t, omp_get_proc_bind, (void))
FAASMPI_OMP_FN(int, omp_get_num_places, (void))
FAASMPI_OMP_FN(int, omp_get_place_num_procs, (int place_num))
FAASMPI_OMP_FN(void, omp_get_place_proc_ids, (int place_num, int *ids))
FAASMPI_OMP_FN(int, omp_get_place_num, (void))
FAASMPI_OMP_FN(int, omp_get_partition_num_places, (void))
FAASMPI_OMP_FN(void, omp_get_partition_place_nums, (int *place_nums))
FAASMPI_OMP_FN(void, omp_set_affinity_format, (const char *format))
FAASMPI_OMP_FN(size_t, omp_get_affinity_format, (char *buffer, size_t size))
FAASMPI_OMP_FN(void, omp_display_affinity, (const char *format))
FAASMPI_OMP_FN(size_t, omp_capture_affinity, (char *buffer, size_t size, const char *format))
FAASMPI_OMP_FN(void, omp_set_default_device, (int device_num))
FAASMPI_OMP_FN(int, omp_get_default_device, (void))
FAASMPI_OMP_FN(int, omp_get_num_devices, (void))
FAASMPI_OMP_FN(int, omp_get_device_num, (void))
FAASMPI_OMP_FN(int, omp_get_num_teams, (void))
FAASMPI_OMP_FN(int, omp_get_team_num, (void))
FAASMPI_OMP_FN(int, omp_is_initial_device, (void))
FAASMPI_OMP_FN(int, omp_get_initial_device, (void))
FAASMPI_OMP_FN(int, omp_get_max_task_priority, (void))
FAASMPI_OMP_FN(int, omp_pause_resource, (omp_pause_resource_t kind, int device_num))
FAASMPI_OMP_FN(int, omp_pause_resource_all, (omp_pause_resource_t kind))
FAASMPI_OMP_FN(void, omp_set_num_teams, (int num_teams))
FAASMPI_OMP_FN(int, omp_get_max_teams, (void))
FAASMPI_OMP_FN(void, omp_set_teams_thread_limit, (int thread_limit))
FAASMPI_OMP_FN(int, omp_get_teams_thread_limit, (void))
FAASMPI_OMP_FN(void, omp_display_env, (int verbose))

/* ---- locks ---- */
FAASMPI_OMP_FN(void, omp_init_lock, (omp_lock_t *lock))
FAASMPI_OMP_FN(void, omp_init_lock_with_hint, (omp_lock_t *lock, omp_sync_hint_t hint))
FAASMPI_OMP_FN(void, omp_destroy_lock, (omp_lock_t *lock))
FAASMPI_OMP_FN(void, omp_set_lock, (omp_lock_t *lock))
FAASMPI_OMP_FN(void, omp_unset_lock, (omp_lock_t *lock))
FAASMPI_OMP_FN(int, omp_test_lock, (omp_lock_t *lock))
FAASMPI_OMP_FN(void, omp_init_nest_lock, (omp_nest_lock_t *lock))
FAASMPI_OMP_FN(void, omp_init_nest_lock_with_hint, (omp_nest_lock_t *lock, omp_sync_hint_t hint))
FAASMPI_OMP_FN(void, omp_destroy_nest_lock, (omp_nest_lock_t *lock))
FAASMPI_OMP_FN(void, omp_set_nest_lock, (omp_nest_lock_t *lock))
FAASMPI_OMP_FN(void, omp_unset_nest_lock, (omp_nest_lock_t *lock))
FAASMPI_OMP_FN(int, omp_test_nest_lock, (omp_nest_lock_t *lock))

/* ---- timing, events, tools ---- */
FAASMPI_OMP_FN(double, omp_get_wtime, (void))
FAASMPI_OMP_FN(double, omp_get_wtick, (void))
FAASMPI_OMP_FN(void, omp_fulfill_event, (omp_event_handle_t event))
FAASMPI_OMP_FN(int, omp_control_tool, (int command, int modifier, void *arg))

/* ---- memory ---- */
FAASMPI_OMP_FN(omp_allocator_handle_t, omp_init_allocator,
               (omp_memspace_handle_t memspace, int ntraits, const omp_alloctrait_t traits[]))
FAASMPI_OMP_FN(void, omp_destroy_allocator, (omp_allocator_handle_t allocator))
FAASMPI_OMP_FN(void, omp_set_default_allocator, (omp_allocator_handle_t allocator))
FAASMPI_OMP_FN(omp_allocator_handle_t, omp_get_default_allocator, (void))
FAASMPI_OMP_FN(void *, omp_alloc,
               (size_t size, omp_allocator_handle_t allocator FAASMPI_OMP_DEFAULT(omp_null_allocator)))
FAASMPI_OMP_FN(void *, omp_aligned_alloc,
               (size_t alignment, size_t size,
                omp_allocator_handle_t allocator FAASMPI_OMP_DEFAULT(omp_null_allocator)))
FAASMPI_OMP_FN(void *, omp_calloc,
               (size_t nmemb, size_t size, omp_allocator_handle_t allocator FAASMPI_OMP_DEFAULT(omp_null_allocator)))
FAASMPI_OMP_FN(void *, omp_aligned_calloc,
               (size_t alignment, size_t nmemb, size_t size,
                omp_allocator_handle_t allocator FAASMPI_OMP_DEFAULT(omp_null_allocator)))
FAASMPI_OMP_FN(void *, omp_realloc,
               (void *ptr, size_t size,
                omp_allocator_handle_t allocator FAASMPI_OMP_DEFAULT(omp_null_allocator),
                omp_allocator_handle_t free_allocator FAASMPI_OMP_DEFAULT(omp_null_allocator)))
FAASMPI_OMP_FN(void, omp_free, (void *ptr, omp_allocator_handle_t allocator FAASMPI_OMP_DEFAULT(omp_null_allocator)))

/* ---- devices (there are none besides the host) ---- */
FAASMPI_OMP_FN(void *, omp_target_alloc, (size_t size, int device_num))
FAASMPI_OMP_FN(void, omp_target_free, (void *device_ptr, int device_num))
FAASMPI_OMP_FN(int, omp_target_is_present, (const void *ptr, int device_num))
FAASMPI_OMP_FN(int, omp_target_memcpy,
               (void *dst, const void *src, size_t length, size_t dst_offset, size_t src_offset,
                int dst_device_num, int src_device_num))
FAASMPI_OMP_FN(int, omp_target_memcpy_rect,
               (void *dst, const void *src, size_t element_size, int num_dims, const size_t *volume,
                const size_t *dst_offsets, const size_t *src_offsets, const size_t *dst_dimensions,
                const size_t *src_dimensions, int dst_device_num, int src_device_num))
FAASMPI_OMP_FN(int, omp_target_associate_ptr,
               (const void *host_ptr, const void *device_ptr, size_t size, size_t device_offset,
                int device_num))
FAASMPI_OMP_FN(int, omp_target_disassociate_ptr, (const void *ptr, int device_num))

#undef FAASMPI_OMP_FN
#undef FAASMPI_OMP_IMPORT
#undef FAASMPI_OMP_DEFAULT

#ifdef __cplusplus
}
#endif
#endif
