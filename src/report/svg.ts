// server-side rendering of an echarts option to an SVG string (no DOM needed)
import * as echarts from 'echarts';
import type { EChartsOption } from 'echarts';

export function renderSvg(option: EChartsOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption(option);
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}
