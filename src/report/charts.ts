// chart definitions: pure functions from plain data to echarts options. No DOM, no rendering:
// the study page renders them server-side to SVG (svg.ts); a browser can pass the same
// options to echarts.init(el).setOption(...).
import type { EChartsOption } from 'echarts';
import type { ModelCurve } from './data.js';

// a palette that stays readable on white: Tableau 10, reordered, plus two
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#59a14f', '#b07aa1', '#76b7b2', '#9c755f', '#ff9da7', '#d4a600', '#17becf', '#bcbd22', '#7f7f7f'];
export const FONT = "-apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
const AXIS = '#6b7280';
const GRIDLINE = '#e5e7eb';

export function colorFor(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

const base = (): EChartsOption => ({
  animation: false,
  backgroundColor: 'transparent',
  textStyle: { fontFamily: FONT, fontSize: 12, color: '#374151' },
});

const valueAxisStyle = {
  axisLine: { show: false },
  axisTick: { show: false },
  axisLabel: { color: AXIS },
  splitLine: { lineStyle: { color: GRIDLINE } },
  nameTextStyle: { color: AXIS },
};

export interface CurveOptions {
  yName: string; // axis title
  percent: boolean; // multiply values by 100
  legend?: boolean; // echarts legend (the study page draws its own HTML legend)
  digits?: number;
  floor?: number; // the band never goes below this value (a loss or an accuracy is never below 0)
  ceiling?: number; // nor above this one (an accuracy fraction: 1)
}

// one line per model (mean over runs) with a shaded band of mean +- sd where n >= 2
export function curveBandOption(curves: readonly ModelCurve[], o: CurveOptions): EChartsOption {
  const k = o.percent ? 100 : 1;
  const maxEpoch = Math.max(1, ...curves.flatMap((c) => c.points.map((p) => p.epoch)));
  const epochs = Array.from({ length: maxEpoch }, (_, i) => String(i + 1));
  const series: NonNullable<EChartsOption['series']> = [];
  const many = maxEpoch > 30;
  const lower = (p: { mean: number; sd: number | null }): number => Math.max(o.floor ?? -Infinity, p.mean - (p.sd ?? 0));
  const upper = (p: { mean: number; sd: number | null }): number => Math.min(o.ceiling ?? Infinity, p.mean + (p.sd ?? 0));
  for (const c of curves) {
    const byEpoch = new Map(c.points.map((p) => [p.epoch, p]));
    const at = (f: (p: (typeof c.points)[number]) => number | null): (number | '-')[] =>
      epochs.map((_, i) => {
        const p = byEpoch.get(i + 1);
        const v = p ? f(p) : null;
        return v === null || !Number.isFinite(v) ? '-' : v * k;
      });
    const hasBand = c.points.some((p) => p.sd !== null);
    if (hasBand) {
      const stack = `band:${c.model}`;
      series.push({
        type: 'line', name: `${c.label} band`, stack, silent: true, symbol: 'none',
        lineStyle: { opacity: 0 }, data: at((p) => (p.sd === null ? null : lower(p))),
        tooltip: { show: false },
      });
      series.push({
        type: 'line', name: `${c.label} band`, stack, silent: true, symbol: 'none',
        lineStyle: { opacity: 0 }, areaStyle: { color: c.color, opacity: 0.16 },
        data: at((p) => (p.sd === null ? null : upper(p) - lower(p))),
        tooltip: { show: false },
      });
    }
    series.push({
      type: 'line', name: c.label, color: c.color, data: at((p) => p.mean),
      symbol: many ? 'none' : 'circle', symbolSize: 4, showSymbol: !many,
      lineStyle: { width: 2, color: c.color }, itemStyle: { color: c.color },
      z: 3,
    });
  }
  return {
    ...base(),
    color: curves.map((c) => c.color),
    grid: { left: 64, right: 20, top: o.legend ? 48 : 16, bottom: 44 },
    legend: o.legend ? { top: 0, data: curves.map((c) => c.label) } : { show: false },
    tooltip: { trigger: 'axis' },
    xAxis: {
      type: 'category', data: epochs, boundaryGap: false, name: 'epoch', nameLocation: 'middle', nameGap: 28,
      axisLine: { lineStyle: { color: '#9ca3af' } }, axisLabel: { color: AXIS }, axisTick: { alignWithLabel: true },
      nameTextStyle: { color: AXIS },
    },
    yAxis: { type: 'value', scale: true, name: o.yName, nameLocation: 'middle', nameGap: 44, ...valueAxisStyle },
    series,
  };
}

export interface BoxGroup {
  model: string;
  label: string;
  color: string;
  values: number[]; // one per run (fractions)
  five: [number, number, number, number, number] | null; // min, q1, median, q3, max
}

// horizontal boxplots of one value per run, one row per model, the runs drawn as dots on top
export function boxplotOption(groups: readonly BoxGroup[], o: { xName: string; percent: boolean }): EChartsOption {
  const k = o.percent ? 100 : 1;
  const labels = groups.map((g) => g.label);
  const n = groups.length;
  // deterministic jitter so the dots of one model do not sit on one line
  const jitter = (i: number): number => (((i * 0.6180339887) % 1) - 0.5) * 0.36;
  return {
    ...base(),
    grid: { left: 12, right: 24, top: 12, bottom: 44, containLabel: true },
    tooltip: { trigger: 'item' },
    xAxis: { type: 'value', scale: true, name: o.xName, nameLocation: 'middle', nameGap: 28, ...valueAxisStyle },
    yAxis: [
      { type: 'category', data: labels, inverse: true, axisTick: { show: false }, axisLine: { lineStyle: { color: '#9ca3af' } }, axisLabel: { color: '#374151' } },
      { type: 'value', min: -0.5, max: Math.max(0.5, n - 0.5), inverse: true, show: false },
    ],
    series: [
      {
        type: 'boxplot', name: 'runs', yAxisIndex: 0, boxWidth: [8, 22],
        data: groups.map((g) => (g.five === null ? '-' : { value: g.five.map((v) => v * k), itemStyle: { color: `${g.color}33`, borderColor: g.color, borderWidth: 1.5 } })) as never,
      },
      {
        type: 'scatter', name: 'run', yAxisIndex: 1, symbolSize: 5, z: 3,
        data: groups.flatMap((g, gi) => g.values.map((v, i) => ({ value: [v * k, gi + jitter(i)], itemStyle: { color: g.color, opacity: 0.75 } }))) as never,
      },
    ],
  };
}

export interface HeatmapInput {
  pairs: number[][];
  errors: number[][];
  max: number; // top of the colour scale (share, 0..1), common to every model on the page
}

// geometry of the heat map grid in pixels, so an overlay can put hover titles on the cells
export const HEAT = { width: 300, height: 290, left: 36, top: 32, size: 250 } as const;

// 10x10 share of misclassified pairs per (digit1 row, digit2 column), in % with labels
export function heatmapOption(h: HeatmapInput, o: { visualMap?: boolean } = {}): EChartsOption {
  const digits = Array.from({ length: 10 }, (_, i) => String(i));
  const data: (number | string)[][] = [];
  for (let i = 0; i < 10; i++) {
    for (let j = 0; j < 10; j++) {
      const n = h.pairs[i]?.[j] ?? 0;
      if (n === 0) continue;
      const share = ((h.errors[i]?.[j] ?? 0) / n) * 100;
      data.push([j, i, share, share === 0 ? '' : share < 9.5 ? share.toFixed(1).replace(/\.0$/, '') : share.toFixed(0)]);
    }
  }
  return {
    ...base(),
    grid: { left: HEAT.left, top: HEAT.top, width: HEAT.size, height: HEAT.size },
    tooltip: { formatter: '{c}' },
    xAxis: {
      type: 'category', data: digits, position: 'top', name: 'digit 2', nameLocation: 'middle', nameGap: 18,
      axisTick: { show: false }, axisLine: { show: false }, axisLabel: { color: AXIS, margin: 4 }, nameTextStyle: { color: AXIS, fontSize: 11 },
      splitArea: { show: false },
    },
    yAxis: {
      type: 'category', data: digits, inverse: true, name: 'digit 1', nameLocation: 'middle', nameGap: 20,
      axisTick: { show: false }, axisLine: { show: false }, axisLabel: { color: AXIS, margin: 6 }, nameTextStyle: { color: AXIS, fontSize: 11 },
    },
    visualMap: {
      show: o.visualMap ?? false, min: 0, max: Math.max(1e-9, h.max * 100), dimension: 2, calculable: false,
      orient: 'horizontal', left: 'center', bottom: 0,
      inRange: { color: ['#f7fbff', '#fde6c8', '#fdae6b', '#e6550d', '#a63603'] },
    },
    series: [
      {
        type: 'heatmap', data: data as never,
        label: { show: true, formatter: '{@[3]}', fontSize: 9, color: '#1f2937' },
        itemStyle: { borderColor: '#ffffff', borderWidth: 1 },
      },
    ],
  };
}

export interface CostRow {
  label: string;
  color: string;
  seconds: number | null; // mean training seconds per run
  params: number | null;
}

// two bar charts side by side sharing the model rows: seconds per run, parameters
export function costOption(rows: readonly CostRow[]): EChartsOption {
  const labels = rows.map((r) => r.label);
  const bar = (v: number | null, c: string): unknown => (v === null ? '-' : { value: v, itemStyle: { color: c } });
  const catAxis = (grid: number, show: boolean): object => ({
    type: 'category', gridIndex: grid, data: labels, inverse: true,
    axisTick: { show: false }, axisLine: { lineStyle: { color: '#9ca3af' } }, axisLabel: { show, color: '#374151' },
  });
  return {
    ...base(),
    title: [
      { text: 'seconds per run (mean)', left: '30%', top: 0, textStyle: { fontSize: 12, fontWeight: 'normal', color: AXIS } },
      { text: 'parameters', left: '74%', top: 0, textStyle: { fontSize: 12, fontWeight: 'normal', color: AXIS } },
    ],
    tooltip: { trigger: 'item' },
    grid: [
      { left: '1%', width: '47%', top: 28, bottom: 8, containLabel: true },
      { left: '58%', width: '40%', top: 28, bottom: 8, containLabel: true },
    ],
    xAxis: [
      // headroom on the right for the value labels at the bar ends
      { type: 'value', gridIndex: 0, boundaryGap: [0, '18%'], ...valueAxisStyle },
      { type: 'value', gridIndex: 1, boundaryGap: [0, '18%'], ...valueAxisStyle, axisLabel: { color: AXIS, formatter: (v: number) => (v >= 1000 ? `${Math.round(v / 1000)}k` : String(v)) } },
    ],
    yAxis: [catAxis(0, true), catAxis(1, true)] as never,
    series: [
      {
        type: 'bar', xAxisIndex: 0, yAxisIndex: 0, barMaxWidth: 16, data: rows.map((r) => bar(r.seconds, r.color)) as never,
        label: { show: true, position: 'right', fontSize: 10, color: AXIS, formatter: ((p: { value: number }) => (p.value >= 10 ? p.value.toFixed(1) : p.value.toFixed(2))) as never },
      },
      {
        type: 'bar', xAxisIndex: 1, yAxisIndex: 1, barMaxWidth: 16, data: rows.map((r) => bar(r.params, r.color)) as never,
        label: { show: true, position: 'right', fontSize: 10, color: AXIS, formatter: ((p: { value: number }) => Math.round(p.value).toLocaleString('en-US')) as never },
      },
    ],
  };
}
