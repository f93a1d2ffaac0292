// what a study directory holds besides runs.jsonl: study.json (StudyMeta) and the summary
// (summary.json = StudySummary). Accuracies are fractions (0..1) everywhere in data; the
// formatters turn them into percentages.
import type { HyperValues, PublishedFigure } from '../models/types.js';

export type StudyKind = 'study' | 'reproduce' | 'grid';

export interface StudyConfig {
  models: string[]; // model ids, in the order the study lists them
  rounds: number | null; // rounds per model; null = each model's own recipe (reproduce)
  epochs: number | null; // epochs per run; null = each model's own recipe
  seed: number; // the study seed; per-run seeds derive from it
  workers: number;
  batchSize: number | null; // null = each model's own recipe
  baseline?: string; // model the Welch tests compare against (default: the first model)
  report?: string; // reproduce: the report id, or 'all'
  shortened?: boolean; // reproduce: rounds/epochs cut below the report's protocol
  trainPairs?: number;
  testPairs?: number;
  mnistDir?: string; // the directory of the MNIST idx files the study was created with (absolute)
  extra?: Record<string, unknown>; // anything else a caller wants to keep with the study
  grid?: GridSettings; // a grid study: the values of each axis, seeds per combination, validation part
  variants?: Record<string, ModelVariant>; // models of the list that are variants: name -> zoo id + hyperparameters set
}

// a grid study's settings: the values tried on each axis (by the axis' flag), seeds per combination
export interface GridSettings {
  axes: Record<string, number[]>;
  k: number;
  validationFraction: number;
}

// a zoo model with some hyperparameters set, under its own name in a study
export interface ModelVariant {
  id: string;
  set: HyperValues;
}

// one planned run: its seed is fixed before it starts, so resume and determinism can check it
export interface PlannedRun {
  model: string;
  round: number; // 0-based
  seed: number;
  epochs?: number;
}

export interface StudyEnvironment {
  node: string; // process.version
  pairbench: string; // package version
  os: string; // e.g. 'linux 6.1.0 x64'
  cpu: string; // cpu model name
  cores: number;
  backend: string; // 'native' | 'reference' (and why, if the runner wants)
  created: string; // ISO time the study was created
}

export interface StudyMeta {
  name: string;
  kind: StudyKind;
  config: StudyConfig;
  runs: PlannedRun[]; // every planned run with its seed
  environment: StudyEnvironment;
}

// a report's published number for one model (docs/reports.md says where each comes from), as fractions: the model zoo's type
export type { PublishedFigure };

// a model as the page describes it (supplied by the model zoo / caller)
export interface ModelDescription {
  id: string;
  params: number;
  description: string;
  ours: string[]; // choices the report leaves open, made by pairbench
}

// descriptive statistics of one sample; sd is the sample sd (n-1), null when n < 2
export interface SampleStats {
  n: number;
  mean: number | null;
  sd: number | null;
  min: number | null;
  max: number | null;
  median: number | null;
  ci95: [number, number] | null; // 95% CI of the mean, t distribution with n-1 df; null when n < 2
}

export interface PublishedComparison {
  figure: PublishedFigure;
  against: 'testAccuracy' | 'bestTestAccuracy'; // which of our figures it is compared with
  diffMean: number | null; // ours - published
  diffSd: number | null;
  diffMin: number | null;
  diffMax: number | null;
}

export interface ModelSummary {
  model: string;
  planned: number; // planned runs (from study.json), 0 when unknown
  n: number; // finished runs (diverged ones included)
  diverged: number; // finished runs whose loss became NaN/infinite: not in test, bestTest or the Welch tests
  collapsed: number; // runs (not diverged) predicting one class for every test pair: in the figures
  params: number | null;
  meanSeconds: number | null; // mean training seconds per run
  test: SampleStats; // final-epoch test accuracy
  bestTest: SampleStats; // best-epoch test accuracy (selected on the test set)
  meanBestEpoch: number | null;
  published: PublishedComparison | null;
  pairs: PairCounts | null; // the pair counts of its runs (null: none recorded); varied = runs differ
}

// how many pairs a run trained on, validated on and was tested on (as recorded in its run record)
export interface PairCounts {
  train: number;
  validation: number;
  test: number;
  varied?: boolean; // the runs of the model did not all use these counts (the first run's are shown)
}

export interface WelchRow {
  model: string;
  baseline: string;
  nModel: number;
  nBaseline: number;
  diff: number | null; // mean(model) - mean(baseline), final test accuracy
  ci95: [number, number] | null; // 95% CI of the difference, Welch-Satterthwaite df
  df: number | null;
  t: number | null;
  p: number | null; // two-sided
  note: string; // why a field is null, what was excluded (diverged) or included (collapsed); '' otherwise
  divergedExcluded?: [number, number]; // diverged runs left out: model, baseline
  collapsedIncluded?: [number, number]; // collapsed runs in the test: model, baseline
}

export interface StudySummary {
  study: string;
  sdConvention: 'sample (n-1)';
  ciLevel: 0.95;
  ciMethod: 't distribution, n-1 df';
  testMethod: "Welch's two-sample t-test, two-sided, unequal variances";
  baseline: string | null;
  models: ModelSummary[];
  welch: WelchRow[];
}
