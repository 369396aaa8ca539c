// Turns a graph of the runtime's JS objects (a rank's MPI state) into plain data that crosses threads and hosts,
// and back. Class instances keep their class (by registered name); shared and cyclic references stay shared.
// Anything that cannot be moved faithfully - a function, a WeakMap, an instance of an unregistered class - is
// refused, naming where it was found: the rank is then not migratable at that point. The only functions let
// through are the ones the destination binds afresh (named "bindings": the guest's exports, the rank itself).

/** A value in the encoded graph: a primitive, a reference to a node, or a binding by name. */
export type Encoded = number | string | boolean | bigint | null | undefined | { r: number } | { b: string };

export type EncodedNode =
  | { k: 'array'; items: Encoded[] }
  | { k: 'map'; entries: [Encoded, Encoded][] }
  | { k: 'set'; items: Encoded[] }
  | { k: 'bytes'; type: TypedArrayName; data: ArrayBuffer }
  | { k: 'object'; cls: string | null; fields: [string, Encoded][] };

export interface EncodedGraph {
  nodes: EncodedNode[];
  root: Encoded;
}

type TypedArrayName = 'Uint8Array' | 'Int32Array' | 'Uint32Array' | 'Float64Array' | 'BigInt64Array';
const TYPED: Record<TypedArrayName, new (b: ArrayBuffer) => ArrayBufferView> = {
  Uint8Array, Int32Array, Uint32Array, Float64Array, BigInt64Array,
};

export class NotCapturable extends Error {
  override name = 'NotCapturable';
}

/** The classes whose instances may be moved, by a name that is the same on every host running this code. */
export class ClassRegistry {
  private readonly byName = new Map<string, Function>();
  private readonly byClass = new Map<Function, string>();

  /** Registers every class a module exports (a module namespace object), under "prefix:Name". */
  addModule(prefix: string, ns: Record<string, unknown>): this {
    for (const [name, value] of Object.entries(ns)) {
      if (typeof value === 'function' && value.prototype && /^class\b/.test(Function.prototype.toString.call(value))) this.add(`${prefix}:${name}`, value);
    }
    return this;
  }

  add(name: string, cls: Function): this {
    if (this.byName.has(name)) throw new Error(`class name ${name} registered twice`);
    this.byName.set(name, cls);
    this.byClass.set(cls, name);
    return this;
  }

  nameOf(cls: Function): string | undefined {
    return this.byClass.get(cls);
  }

  classOf(name: string): Function | undefined {
    return this.byName.get(name);
  }
}

/** Encodes `root`. `bindings` maps objects or functions the destination provides itself to their names. */
export function encodeGraph(root: unknown, classes: ClassRegistry, bindings: ReadonlyMap<unknown, string>): EncodedGraph {
  const nodes: EncodedNode[] = [];
  const ids = new Map<object, number>();
  const encode = (v: unknown, path: string): Encoded => {
    const bound = bindings.get(v);
    if (bound !== undefined) return { b: bound };
    if (v === null || v === undefined || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint') return v;
    if (typeof v === 'function') throw new NotCapturable(`${path} holds a function (${v.name || 'anonymous'}): pending work or a callback`);
    if (typeof v !== 'object') throw new NotCapturable(`${path} holds a ${typeof v}`);
    const known = ids.get(v);
    if (known !== undefined) return { r: known };
    const id = nodes.length;
    ids.set(v, id);
    nodes.push(undefined as unknown as EncodedNode); // placeholder: children may refer back to it
    if (Array.isArray(v)) {
      nodes[id] = { k: 'array', items: v.map((x, i) => encode(x, `${path}[${i}]`)) };
    } else if (v instanceof Map) {
      nodes[id] = { k: 'map', entries: [...v].map(([key, val], i) => [encode(key, `${path}.key${i}`), encode(val, `${path}.get(${String(key)})`)]) };
    } else if (v instanceof Set) {
      nodes[id] = { k: 'set', items: [...v].map((x, i) => encode(x, `${path}.item${i}`)) };
    } else if (ArrayBuffer.isView(v)) {
      const type = v.constructor.name as TypedArrayName;
      if (!(type in TYPED)) throw new NotCapturable(`${path} is a ${type}`);
      const copy = new ArrayBuffer(v.byteLength);
      new Uint8Array(copy).set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      nodes[id] = { k: 'bytes', type, data: copy };
    } else {
      const proto = Object.getPrototypeOf(v);
      let cls: string | null = null;
      if (proto !== Object.prototype && proto !== null) {
        const name = classes.nameOf(proto.constructor);
        if (name === undefined) throw new NotCapturable(`${path} is a ${proto.constructor?.name ?? 'object'}, which a migration cannot move`);
        cls = name;
      }
      const fields: [string, Encoded][] = [];
      for (const key of Object.keys(v)) fields.push([key, encode((v as Record<string, unknown>)[key], `${path}.${key}`)]);
      nodes[id] = { k: 'object', cls, fields };
    }
    return { r: id };
  };
  const encodedRoot = encode(root, 'rank');
  return { nodes, root: encodedRoot };
}

/**
 * Rebuilds a graph. `bindings` gives the destination's objects by name; `adopt` gives existing objects to
 * fill in place of some nodes (by node id: the destination rank's own sub-state objects keep their identity,
 * so every closure already holding them sees the restored state). Malformed input is refused.
 */
export function decodeGraph(g: EncodedGraph, classes: ClassRegistry, bindings: ReadonlyMap<string, unknown>, adopt: ReadonlyMap<number, object> = new Map()): unknown {
  const bad = (why: string): never => { throw new NotCapturable(`captured MPI state is malformed: ${why}`); };
  if (!g || !Array.isArray(g.nodes)) bad('no node list');
  const shells: unknown[] = g.nodes.map((n, id) => {
    const adopted = adopt.get(id);
    switch (n?.k) {
      case 'array': return adopted ?? [];
      case 'map': return adopted ?? new Map();
      case 'set': return adopted ?? new Set();
      case 'bytes': {
        const T = TYPED[n.type];
        if (!T || !(n.data instanceof ArrayBuffer)) return bad(`node ${id} has a bad byte array`);
        return new T(n.data.slice(0));
      }
      case 'object': {
        if (adopted) return adopted;
        if (n.cls === null) return {};
        const cls = classes.classOf(n.cls);
        if (!cls) return bad(`unknown class ${n.cls}`);
        return Object.create(cls.prototype);
      }
      default: return bad(`node ${id} has no kind`);
    }
  });
  const value = (e: Encoded): unknown => {
    if (e !== null && typeof e === 'object') {
      if ('r' in e) {
        if (!Number.isInteger(e.r) || e.r < 0 || e.r >= shells.length) return bad(`reference ${e.r} out of range`);
        return shells[e.r];
      }
      if ('b' in e) {
        if (!bindings.has(e.b)) return bad(`unknown binding ${e.b}`);
        return bindings.get(e.b);
      }
      return bad('an object where a value was expected');
    }
    return e;
  };
  g.nodes.forEach((n, id) => {
    const shell = shells[id];
    if (n.k === 'array') {
      const a = shell as unknown[];
      a.length = 0;
      for (const x of n.items) a.push(value(x));
    } else if (n.k === 'map') {
      const m = shell as Map<unknown, unknown>;
      m.clear();
      for (const [k, v] of n.entries) m.set(value(k), value(v));
    } else if (n.k === 'set') {
      const s = shell as Set<unknown>;
      s.clear();
      for (const x of n.items) s.add(value(x));
    } else if (n.k === 'object') {
      for (const [key, v] of n.fields) {
        if (key === '__proto__' || key === 'constructor') bad(`field ${key}`);
        (shell as Record<string, unknown>)[key] = value(v);
      }
    }
  });
  return value(g.root);
}
