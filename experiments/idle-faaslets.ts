// Child process: how much memory an idle Faaslet costs and how many one host process holds.
//   node idle-faaslets.js <module.wasm> <fresh|restore> <count> <maxSeconds>
// Prints one JSON line. Run in its own process so the RSS it reads is its own.
import { FaasletFactory } from './faaslet-factory.js';
import type { Faaslet } from '../faaslet/faaslet.js';

const [path, mode, countArg, secondsArg] = process.argv.slice(2);
const factory = await FaasletFactory.load(path);
const snapshot = factory.snapshot();
const make = () => (mode === 'restore' ? factory.create(snapshot) : factory.fresh());
const keep: Faaslet[] = [];

const settle = () => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss;
};
for (let i = 0; i < 20; i++) keep.push(make()); // warm up code paths before measuring
const before = settle();
const count = Number(countArg);
for (let i = 0; i < count; i++) keep.push(make());
const after = settle();
const bytesEach = (after - before) / count;

// Now hold as many as the process can, until allocation fails or time runs out.
const deadline = Date.now() + Number(secondsArg) * 1000;
let limit = 'time';
try {
  while (Date.now() < deadline) keep.push(make());
} catch (e) {
  limit = (e as Error).message;
}
console.log(JSON.stringify({ mode, bytesEach, held: keep.length, limit, rssMiB: process.memoryUsage().rss / 2 ** 20 }));
