// the planned runs of a study: every model x round, each with its seed fixed in advance.
// Round-major order (round 0 of every model, then round 1...): a stopped study has a few rounds of
// every model rather than all rounds of the first ones.
import { getModel } from '../models/registry.js';
import type { ModelSpec } from '../models/types.js';
import type { RunJob } from './job.js';
import { runSeed } from './seeds.js';
import type { StudyConfig } from './types.js';

// a model of the study's list: a zoo id, or the name of a variant (config.variants)
export function specOf(config: Pick<StudyConfig, 'variants'>, name: string): ModelSpec {
  const v = config.variants?.[name];
  return v === undefined ? getModel(name) : getModel(v.id).variant(v.set, name);
}

export function roundsOf(config: StudyConfig, model: string): number {
  return config.rounds ?? specOf(config, model).recipe.rounds;
}

export function studyJobs(config: StudyConfig): RunJob[] {
  const jobs: RunJob[] = [];
  const most = Math.max(0, ...config.models.map((m) => roundsOf(config, m)));
  for (let round = 0; round < most; round++) {
    for (const model of config.models) {
      if (round >= roundsOf(config, model)) continue;
      jobs.push({
        model,
        round,
        seed: runSeed(config.seed, model, round), // a variant's seeds derive from its own name
        epochs: config.epochs,
        batchSize: config.batchSize,
        ...(config.trainPairs !== undefined ? { trainPairs: config.trainPairs } : {}),
        ...(config.testPairs !== undefined ? { testPairs: config.testPairs } : {}),
        ...(config.variants?.[model] !== undefined ? { variant: config.variants[model] } : {}),
      });
    }
  }
  return jobs;
}
