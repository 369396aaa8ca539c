// A rank's MPI objects as plain data: communicators (with topologies, attributes, info hints), groups,
// datatypes, ops, keyvals, error handlers and user error codes, freed-handle lists, the scalars, and the
// messages that arrived but were not received yet. What is not idle (a pending request, a send still pushing
// data) is refused with the reason: the rank is then not migratable at this point.
//
// Not carried (state kept in closures of the binding parts, outside MpiRank): MPI_Info objects, an attached
// MPI_Bsend buffer, the collectives' per-communicator machinery. The last is sound only because every rank of
// the job moves at the same all-rank barrier (all restart it from zero together, with nothing in flight).
import * as datatype from '../mpi/datatypes/datatype.js';
import * as datatypeRegistry from '../mpi/datatypes/registry.js';
import * as opRegistry from '../mpi/ops/registry.js';

/** Predefined op handles (MPI_MAX .. MPI_MAXLOC): mpi/ops/registry.ts. */
const PREDEFINED_OP_FIRST = 0x58000001, PREDEFINED_OP_LAST = 0x5800000e;
import * as groupTable from '../mpi/group-table.js';
import * as keyvals from '../mpi/keyvals.js';
import * as handleTable from '../mpi/handle-table.js';
import * as errorHandlers from '../mpi/error-handlers.js';
import * as requests from '../mpi/p2p/requests.js';
import * as communicators from '../mpi/communicators.js';
import type { MpiRank, RankScalars } from '../mpi/rank.js';
import { PREDEFINED_DATATYPES } from '../mpi/datatypes/handles.js';
import { ClassRegistry, decodeGraph, encodeGraph, NotCapturable, type EncodedGraph } from './object-graph.js';

export interface MpiState {
  scalars: RankScalars;
  /** MpiRank.ownedStates() as one graph (one graph keeps objects shared between sub-states shared). */
  owned: EncodedGraph;
  /** The point-to-point engine's arrived, unmatched messages and id counter; undefined if never started. */
  engine?: EncodedGraph;
}

let registry: ClassRegistry | undefined;
function classes(): ClassRegistry {
  return registry ??= new ClassRegistry()
    .addModule('datatype', datatype).addModule('datatype-registry', datatypeRegistry).addModule('op-registry', opRegistry)
    .addModule('group-table', groupTable).addModule('keyvals', keyvals).addModule('handle-table', handleTable)
    .addModule('error-handlers', errorHandlers).addModule('requests', requests).addModule('communicators', communicators);
}

/** What the destination has itself, by name: the rank, its links to the guest, the shared predefined objects. */
function bindingsOf(rank: MpiRank): Map<string, unknown> {
  const b = new Map<string, unknown>([['rank', rank], ['mem', rank.mem]]);
  // The ops' way into the guest (memory and exports of this Faaslet), and the errors part's callback runner.
  b.set('ops.guest', (rank.ownedStates().ops as unknown as { guest: unknown }).guest);
  if (rank.errors.invoke) b.set('errors.invoke', rank.errors.invoke);
  for (const d of PREDEFINED_DATATYPES) {
    const o = datatype.predefinedObject(d.handle);
    if (o) b.set(`datatype:${d.handle >>> 0}`, o);
  }
  for (let h = PREDEFINED_OP_FIRST; h <= PREDEFINED_OP_LAST; h++) {
    const o = opRegistry.predefinedOp(h);
    if (o) b.set(`op:${h}`, o);
  }
  return b;
}

const inverse = (m: Map<string, unknown>) => new Map([...m].map(([k, v]) => [v, k]));

/** Captures the rank's MPI objects. Throws NotCapturable with the reason. */
export function captureMpiState(rank: MpiRank): MpiState {
  // Take in what has arrived first, so that whether a rank can move does not depend on when it last looked.
  rank.engineIfStarted()?.progress();
  const work = rank.engineIfStarted()?.pendingWork();
  if (work) throw new NotCapturable(`point-to-point work in progress (${work})`);
  const bindings = inverse(bindingsOf(rank));
  const engine = rank.engineIfStarted();
  try {
    return {
      scalars: rank.scalars(),
      owned: encodeGraph(rank.ownedStates(), classes(), bindings),
      engine: engine && encodeGraph(engine.carriedState(), classes(), bindings),
    };
  } catch (e) {
    // A request's operation holds closures until MPI_Wait/Test/Request_free retires it.
    if (e instanceof NotCapturable && e.message.startsWith('rank.requests.')) {
      throw new NotCapturable(`a request not yet completed and freed (MPI_Wait/MPI_Test/MPI_Request_free retire it): ${e.message}`);
    }
    throw e;
  }
}

/** Puts a captured state into a fresh rank of the same world rank (before the guest runs again). */
export function restoreMpiState(rank: MpiRank, s: MpiState): void {
  const bindings = bindingsOf(rank);
  const owned = rank.ownedStates();
  const root = s?.owned?.nodes?.[0];
  if (root?.k !== 'object' || root.fields.map(([n]) => n).sort().join() !== Object.keys(owned).sort().join()) {
    throw new NotCapturable('captured MPI state does not hold the sub-states this runtime has');
  }
  // Each sub-state is filled into the fresh rank's own object, which keeps its identity (closures hold it).
  const adopt = new Map<number, object>();
  for (const [name, ref] of root.fields) {
    if (ref === null || typeof ref !== 'object' || !('r' in ref)) throw new NotCapturable(`captured MPI state: ${name} is not an object`);
    adopt.set(ref.r, owned[name]);
  }
  decodeGraph(s.owned, classes(), bindings, adopt);
  rank.adoptScalars(s.scalars);
  if (s.engine) rank.p2p.adoptState(decodeGraph(s.engine, classes(), bindings) as ReturnType<typeof rank.p2p.carriedState>);
}
