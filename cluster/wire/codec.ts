// Encoding of link frames with protobufjs, from the checked-in faasmpi.proto (loaded once per process).
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

export interface MpiMessage {
  group: string;
  src: number;
  dst: number;
  tag: number;
  context: number;
  seq: number;
  kind: number;
  total: number;
  payload: Uint8Array;
  rawFollows?: boolean;
  a: number;
  b: number;
  c: number;
}

export interface Control {
  kind: string;
  job: string;
  user: string;
  json: string;
  blob?: Uint8Array;
}

/** A spread OpenMP team's message about one rank's team (openmp/spread/team-wire.ts). */
export interface TeamEnvelope {
  group: string;
  rank: number;
  payload: Uint8Array;
}

export type Envelope = { mpi: MpiMessage } | { control: Control } | { team: TeamEnvelope };

// The .proto lives beside this module's source; compiled code runs from dist/cluster/wire.
const PROTO = fileURLToPath(new URL('../../../cluster/wire/faasmpi.proto', import.meta.url));
const root = protobuf.loadSync(PROTO);
const FrameType = root.lookupType('faasmpi.Frame');

export function encodeFrame(items: Envelope[]): Uint8Array {
  return FrameType.encode(FrameType.create({ items })).finish();
}

export function decodeFrame(bytes: Uint8Array): Envelope[] {
  // bytes fields stay Uint8Arrays (views of the received buffer, no copy); 64-bit integers become Numbers.
  const frame = FrameType.toObject(FrameType.decode(bytes), { longs: Number, defaults: true }) as { items: Envelope[] };
  return frame.items.map((e) => ('mpi' in e && e.mpi ? { mpi: e.mpi } : 'team' in e && e.team ? { team: e.team } : { control: (e as { control: Control }).control }));
}
