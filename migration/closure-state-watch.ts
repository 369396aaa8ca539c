// MPI state a capture cannot carry yet, because it lives in closures of the binding parts rather than in
// MpiRank: MPI_Info objects (mpi/info.ts) and the MPI_Buffer_attach'd buffer (mpi/p2p/functions.ts). Watching
// the calls that make and end it tells whether a rank holds any now: then it is not migratable at this point.
type Fn = (...a: any[]) => any;

export class ClosureStateWatch {
  private infos = 0;
  private bufferAttached = false;

  /** Wraps the calls that make or end such state (each counts only when it succeeded). */
  wrap(functions: Record<string, Fn>): void {
    const after = (name: string, effect: () => void) => {
      const f = functions[name];
      if (!f) return;
      functions[name] = (...args: any[]) => {
        const rc = f(...args);
        if (rc === 0) effect();
        return rc;
      };
    };
    for (const made of ['MPI_Info_create', 'MPI_Info_dup', 'MPI_Comm_get_info']) after(made, () => this.infos++);
    after('MPI_Info_free', () => this.infos--);
    after('MPI_Buffer_attach', () => { this.bufferAttached = true; });
    after('MPI_Buffer_detach', () => { this.bufferAttached = false; });
  }

  whyNot(): string | undefined {
    const held: string[] = [];
    if (this.infos > 0) held.push(`${this.infos} MPI_Info object(s) not freed`);
    if (this.bufferAttached) held.push('an MPI_Bsend buffer attached');
    return held.length ? `${held.join(' and ')} (not carried by a move yet)` : undefined;
  }
}
