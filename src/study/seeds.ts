// per-run seeds: derived from (study seed, key, round) by splitting the seeded generator, so a run's
// seed depends on nothing else (not the worker count, not the order the runs finish in)
import { Rng } from '../tensor/random.js';

// the seed of round `round` of `key` (a model id, or e.g. 'grid:<model id>') in a study seeded `studySeed`
export function runSeed(studySeed: number, key: string, round: number): number {
  return new Rng(studySeed).split(key).split(round).nextU32();
}

// the largest study seed accepted (the generator takes any safe integer)
export const MAX_SEED = Number.MAX_SAFE_INTEGER;
