// the model zoo: every model of the five reports, and the blocks to build new ones
export * from './types.js';
export { allModels, getModel, getReport, modelsOfReport, nearestIds, REPORT_DESCRIPTORS, REPORTS, type ReportId } from './registry.js';
export { fixedModel, hyperModel, parseAssignments, RECIPE_SPACE, variantName, type HyperModelDef } from './hyper.js';
export { PairNet, WholeNet, Stack, convLayers, fcLayers, mlpHead, type PairNetParts, type ConvSpec } from './blocks.js';
export { carparelliModel, carparelliModels, CARPARELLI_DEFAULT, type CarparelliHyper } from './carparelli2019.js';
export { siebertModel, type SiebertOptions } from './siebert2022.js';
export { defineModel, type ModelDefinition } from './define.js';
export { recipe } from './recipes.js';
export { pairbenchModels, pairbenchReport, OrderPairNet, BINARY_DEFAULTS, DIGITS_DEFAULTS, REPORT_BESTS, type PairHead } from './pairbench.js';
export { Ensemble, ensembleOf, averageLogits, averageOutputs } from './ensemble.js';
