// Runtime entry points that exist in the OpenMP interface but not in faasmpi's runtime, with the construct
// each stands for: a module importing one is refused before it runs, with a message naming the construct.

const CONSTRUCTS: [string, string[]][] = [
  ['the teams construct', ['__kmpc_fork_teams', '__kmpc_push_num_teams', '__kmpc_push_num_teams_51', '__kmpc_set_thread_limit',
    'omp_get_num_teams', 'omp_get_team_num', 'omp_set_num_teams', 'omp_get_max_teams', 'omp_set_teams_thread_limit', 'omp_get_teams_thread_limit']],
  ['the distribute construct', ['__kmpc_dist_for_static_init_4', '__kmpc_dist_for_static_init_4u', '__kmpc_dist_for_static_init_8',
    '__kmpc_dist_for_static_init_8u', '__kmpc_team_static_init_4', '__kmpc_team_static_init_4u', '__kmpc_team_static_init_8',
    '__kmpc_team_static_init_8u', '__kmpc_distribute_static_init_4', '__kmpc_distribute_static_init_4u', '__kmpc_distribute_static_init_8',
    '__kmpc_distribute_static_init_8u', '__kmpc_distribute_static_fini', '__kmpc_dist_dispatch_init_4', '__kmpc_dist_dispatch_init_4u',
    '__kmpc_dist_dispatch_init_8', '__kmpc_dist_dispatch_init_8u']],
  ['ordered depend(sink/source) (doacross loops)', ['__kmpc_doacross_init', '__kmpc_doacross_wait', '__kmpc_doacross_post', '__kmpc_doacross_fini']],
  ['task reductions (task_reduction / in_reduction)', ['__kmpc_task_reduction_init', '__kmpc_taskred_init', '__kmpc_task_reduction_modifier_init',
    '__kmpc_taskred_modifier_init', '__kmpc_task_reduction_modifier_fini', '__kmpc_task_reduction_get_th_data']],
  ['detachable tasks (detach clause, omp_fulfill_event)', ['__kmpc_task_allow_completion_event', '__kmpc_omp_fulfill_event', 'omp_fulfill_event']],
  ['target offloading (target constructs, omp_target_*)', ['__kmpc_omp_target_task_alloc', '__kmpc_omp_get_target_async_handle_ptr',
    '__kmpc_proxy_task_completed', '__kmpc_proxy_task_completed_ooo', 'omp_target_alloc', 'omp_target_free', 'omp_target_is_present',
    'omp_target_memcpy', 'omp_target_memcpy_rect', 'omp_target_associate_ptr', 'omp_target_disassociate_ptr']],
  ['threadprivate without thread-local storage', ['__kmpc_threadprivate', '__kmpc_threadprivate_cached', '__kmpc_threadprivate_register',
    '__kmpc_threadprivate_register_vec']],
  ['task parts and affinity clauses', ['__kmpc_omp_task_parts', '__kmpc_omp_reg_task_with_affinity']],
  ['the sections interface of the OpenMP IR builder', ['__kmpc_sections_init', '__kmpc_next_section', '__kmpc_end_sections']],
  ['barrier_master (a libomp extension)', ['__kmpc_barrier_master', '__kmpc_end_barrier_master', '__kmpc_barrier_master_nowait']],
  ['copyprivate_light (a libomp extension)', ['__kmpc_copyprivate_light']],
  ['custom memory allocators (omp_init_allocator)', ['__kmpc_init_allocator', '__kmpc_destroy_allocator', 'omp_init_allocator', 'omp_destroy_allocator']],
  ['places and affinity queries', ['omp_get_place_proc_ids', 'omp_get_partition_place_nums', 'omp_set_affinity_format',
    'omp_get_affinity_format', 'omp_display_affinity', 'omp_capture_affinity']],
  ['omp_display_env', ['omp_display_env']],
  ['pausing the OpenMP runtime', ['__kmpc_pause_resource']],
];

export const UNSUPPORTED_OMP: Readonly<Record<string, string>> = Object.fromEntries(
  CONSTRUCTS.flatMap(([what, names]) => names.map((n) => [n, what])),
);
