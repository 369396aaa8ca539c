// Hosts as mpirun users write them: `-H a:4,b:4` (Open MPI and Hydra: 4 slots each) and hostfile lines
// `a slots=4 max_slots=8` (Open MPI) or `a:4` (Hydra). A number after ':' is always a slot count; the host
// runtime's port is written after '@' (`a:4@7651`) or `port=7651`, and is 7650 when not given.
import { readFileSync } from 'node:fs';

export const DEFAULT_HOST_PORT = 7650;
/** More slots than any host runtime offers (it runs at most 256 Faaslets by default). */
const MAX_SLOTS = 4096;

export interface HostSpec {
  /** host:port of its host runtime. */
  address: string;
  /** Ranks placed there at most (slots=, :N). */
  slots?: number;
  /** The hard limit (max_slots=): never more ranks than this, whatever the slots say. */
  maxSlots?: number;
}

export class HostSpecError extends Error {
  override name = 'HostSpecError';
}

const NAME = /^[A-Za-z0-9._-]+$|^\[[0-9A-Fa-f:.]+\]$/;

function count(what: string, v: string, where: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 100_000) throw new HostSpecError(`${where}: ${what} must be a whole number from 1 to 100000, got '${v}'`);
  return Number(v);
}

function port(v: string, where: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535) throw new HostSpecError(`${where}: the port must be a number from 1 to 65535, got '${v}'`);
  return Number(v);
}

/** One `host[:slots][@port]` word. */
export function parseHostWord(word: string, where = `host '${word}'`): HostSpec {
  const m = /^([^:@\s]+|\[[^\]]+\])(?::([^@]*))?(?:@(.*))?$/.exec(word);
  if (!m || !NAME.test(m[1])) throw new HostSpecError(`${where}: expected host[:slots][@port], e.g. node1:4 or node1:4@7651`);
  const spec: HostSpec = { address: `${m[1]}:${m[3] === undefined ? DEFAULT_HOST_PORT : port(m[3], where)}` };
  if (m[2] !== undefined) {
    // `host:port` meant a port before; a number no host has slots for is most likely still one.
    if (/^\d+$/.test(m[2]) && Number(m[2]) > MAX_SLOTS) {
      throw new HostSpecError(`${where}: ${m[2]} slots is more than a host runs (${MAX_SLOTS} at most); a host runtime's port is written after '@': ${m[1]}@${m[2]}`);
    }
    spec.slots = count('the slot count', m[2], where);
  }
  return spec;
}

/** A comma-separated -H/--host list. */
export function parseHostList(list: string): HostSpec[] {
  const words = list.split(',').map((h) => h.trim()).filter(Boolean);
  if (words.length === 0) throw new HostSpecError('the host list is empty');
  return words.map((w) => parseHostWord(w));
}

/** A hostfile's text: one host a line, with slots=N, max_slots=N, port=P; '#' comments and blank lines. */
export function parseHostfile(text: string, name: string): HostSpec[] {
  const hosts: HostSpec[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const where = `${name} line ${i + 1}`;
    const [first, ...words] = line.split(/\s+/);
    const spec = parseHostWord(first, where);
    for (const w of words) {
      const kv = /^(slots|max_slots|max-slots|port)=(.*)$/.exec(w);
      if (!kv) throw new HostSpecError(`${where}: unknown word '${w}' (expected slots=N, max_slots=N or port=P)`);
      if (kv[1] === 'slots') spec.slots = count('slots', kv[2], where);
      else if (kv[1] === 'port') spec.address = `${spec.address.replace(/:\d+$/, '')}:${port(kv[2], where)}`;
      else spec.maxSlots = count('max_slots', kv[2], where);
    }
    if (spec.slots !== undefined && spec.maxSlots !== undefined && spec.slots > spec.maxSlots) {
      throw new HostSpecError(`${where}: slots=${spec.slots} is more than max_slots=${spec.maxSlots}`);
    }
    hosts.push(spec);
  });
  if (hosts.length === 0) throw new HostSpecError(`${name} names no host`);
  return hosts;
}

export function readHostfile(path: string): HostSpec[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new HostSpecError(`hostfile ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  return parseHostfile(text, `hostfile ${path}`);
}

/** The most ranks a launcher may place on this host (undefined: as many as it has free). */
export function slotLimit(h: HostSpec, perNode?: number): number | undefined {
  const limits = [h.slots, h.maxSlots, perNode].filter((n): n is number => n !== undefined);
  return limits.length ? Math.min(...limits) : undefined;
}
