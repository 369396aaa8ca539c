// FDiffs: what changed in a replica's memory, merged across hosts. The library the cross-host OpenMP runtime
// calls at each synchronisation point:
//   worker host:  d = tracker.diff(replica) -> encodeDiff(d) -> (network) ->
//   main host:    decodeDiff(msg, {baseVersion, maxMemoryBytes}) for each host; the master's own diff first;
//                 mergeDiffs(masterCopy, version, diffs, regions) -> aggregate (+ races for -v)
//   every host:   growForDiff(memory, aggregate); applyDiff(replica, aggregate);
//                 tracker.accept(own diff); tracker.accept(aggregate); tracker.synced(version + 1)
export { FDiffError, applyDiff, checkDiff, growForDiff, type FDiff } from './fdiff.js';
export { DEFAULT_KERNEL, FDiffTracker, KERNELS, createDiffer, type KernelName } from './differs.js';
export { MERGE_OPS, MERGE_TYPES, MergeError, mergeInto, type MergeOp, type MergeType } from './merge.js';
export { describeRaces, mergeDiffs, type MergeRegion, type MergeResult, type RaceReport } from './merge-diffs.js';
export { FDIFF_FORMAT_VERSION, decodeDiff, encodeDiff, type DecodeLimits } from './wire.js';
