// the planned runs of a study: every model x round, each with its seed fixed in advance.
// Round-major order (round 0 of every model, then round 1...): a stopped study has a few rounds of
// every model rather than all rounds of the first ones.
import { getModel } from '../models/registry.js';
import type { RunJob } from './job.js';
import { runSeed } from './seeds.js';
import type { StudyConfig } from './types.js';

export function roundsOf(config: StudyConfig, model: string): number {
  return config.rounds ?? getModel(model).recipe.rounds;
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
        seed: runSeed(config.seed, model, round),
        epochs: config.epochs,
        batchSize: config.batchSize,
        ...(config.trainPairs !== undefined ? { trainPairs: config.trainPairs } : {}),
        ...(config.testPairs !== undefined ? { testPairs: config.testPairs } : {}),
      });
    }
  }
  return jobs;
}
