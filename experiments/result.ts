// The shape every benchmark reports, so the harness can write one JSON file and one Markdown report.

export interface Row {
  metric: string;
  unit: string;
  ours: number;
  /** The native baseline measured in the same run, if the metric has one. */
  native?: number;
  /** A published figure to compare against (e.g. Faasm's paper), if any. */
  reference?: number;
  note?: string;
}

export interface BenchmarkResult {
  name: string;
  title: string;
  rows: Row[];
  notes: string[];
}

/** ours / native: for times, below 1 means faster than native. */
export function ratio(row: Row): number | undefined {
  return row.native ? row.ours / row.native : undefined;
}
