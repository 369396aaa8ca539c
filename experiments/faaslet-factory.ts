// Starts Faaslets directly (no worker, no launcher) for start-up and footprint measurements.
import { Faaslet } from '../faaslet/faaslet.js';
import { compileModule, type LoadedModule } from '../faaslet/module-loader.js';
import { hostSpecs } from '../host-interface/index.js';
import { FdTable } from '../host-interface/wasi/fd-table.js';
import { nullSink } from '../faaslet/output.js';
import type { Snapshot } from '../snapshots/snapshot.js';
import { tmpdir } from 'node:os';

export class FaasletFactory {
  private readonly fdTable = FdTable.create({ preopens: [{ guestPath: '/', hostPath: tmpdir() }], stdin: { kind: 'null' } });
  private constructor(readonly module: LoadedModule) {}

  static async load(path: string): Promise<FaasletFactory> {
    return new FaasletFactory(await compileModule(path, hostSpecs));
  }

  create(snapshot?: Snapshot): Faaslet {
    return Faaslet.create(this.module, {
      identity: { groupId: 'bench', index: 0, size: 1, hostId: 'bench' },
      args: ['bench'], env: [], fdTable: this.fdTable, stdout: nullSink, stderr: nullSink,
    }, snapshot);
  }

  /** Instantiate and run constructors: a Faaslet ready to run main. */
  fresh(): Faaslet {
    const f = this.create();
    const failed = f.initialise();
    if (failed) throw new Error(`initialisation failed: ${JSON.stringify(failed)}`);
    return f;
  }

  snapshot(): Snapshot {
    return this.fresh().snapshot();
  }
}
