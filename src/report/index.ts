// the study page and its chart definitions
export { renderStudyPage, writeStudyPage } from './page.js';
export type { StudyPageInput, StudyPageOptions } from './page.js';
export { PALETTE, colorFor, curveBandOption, boxplotOption, heatmapOption, costOption, HEAT } from './charts.js';
export type { BoxGroup, CostRow, CurveOptions, HeatmapInput } from './charts.js';
export { epochCurve, pairMatrix, pretrainEpochs, shortLabels } from './data.js';
export type { CurvePoint, ModelCurve, PairMatrix } from './data.js';
export { renderSvg } from './svg.js';
