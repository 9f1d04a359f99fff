// The page's two charts on ECharts (tree-shaken: only heatmap, line and the components they use).
import { HeatmapChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { MarginResult } from '../host/browser.js';
import type { PnlCurve } from './pnl-curve.js';

echarts.use([HeatmapChart, LineChart, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, VisualMapComponent, CanvasRenderer]);

const fmt = (v: number): string => v.toLocaleString('en-US', { maximumFractionDigits: 0 });
const pct = (s: number): string => `${s > 0 ? '+' : ''}${(Math.round(s * 1e4) / 100).toString()}%`;

/** Row (vol axis) of a scenario: its vol move; skew and basis scenarios get rows of their own. */
function volRow(s: MarginResult['scenarios'][number]): string {
  const v = typeof s.vol_move === 'number' ? `vol ${s.vol_move > 0 ? '+' : ''}${s.vol_move}` : `vol ${s.vol_move}`;
  return s.kind === 'regular' || s.kind === 'tail' || s.kind === '' ? v : `${v} (${s.kind})`;
}

export interface HeatmapCells {
  spots: number[];
  vols: string[];
  /** [spot index, vol index, P&L, scenario index] */
  cells: Array<[number, number, number, number]>;
}

/** Lays the scenario vector out on a spot-shock × vol grid (several scenarios on a cell: the worst). */
export function heatmapCells(r: MarginResult): HeatmapCells {
  const spots = [...new Set(r.scenarios.map((s) => s.spot_shock))].sort((a, b) => a - b);
  const vols = [...new Set(r.scenarios.map(volRow))];
  const byCell = new Map<string, [number, number, number, number]>();
  for (const s of r.scenarios) {
    const cell: [number, number, number, number] = [spots.indexOf(s.spot_shock), vols.indexOf(volRow(s)), r.scenario_pnl[s.index]!, s.index];
    const key = `${cell[0]},${cell[1]}`;
    const had = byCell.get(key);
    if (had === undefined || cell[2] < had[2] || s.index === r.worst_scenario.index) byCell.set(key, cell);
  }
  return { spots, vols, cells: [...byCell.values()] };
}

export class Charts {
  private readonly heat: echarts.ECharts;
  private readonly line: echarts.ECharts;

  constructor(heatEl: HTMLElement, lineEl: HTMLElement) {
    this.heat = echarts.init(heatEl, undefined, { renderer: 'canvas' });
    this.line = echarts.init(lineEl, undefined, { renderer: 'canvas' });
    addEventListener('resize', () => {
      this.heat.resize();
      this.line.resize();
    });
  }

  showHeatmap(r: MarginResult): void {
    const { spots, vols, cells } = heatmapCells(r);
    const worst = r.worst_scenario.index;
    const span = Math.max(1, ...cells.map((c) => Math.abs(c[2])));
    const data = cells.map((c) => ({
      value: c,
      // The worst scenario counted in the requirement: a thick black frame and its label.
      ...(c[3] === worst ? { itemStyle: { borderColor: '#000', borderWidth: 3 }, label: { show: true, formatter: 'worst', fontWeight: 'bold' as const } } : {}),
    }));
    this.heat.setOption(
      {
        animation: false,
        tooltip: {
          formatter: (p: { data: { value: [number, number, number, number] } }) => {
            const s = r.scenarios[p.data.value[3]]!;
            return `${s.label}<br>P&L ${fmt(p.data.value[2])} ${r.margin_currency}`;
          },
        },
        grid: { left: 120, right: 20, top: 10, bottom: 100 },
        xAxis: { type: 'category', data: spots.map(pct), name: 'spot shock', nameLocation: 'middle', nameGap: 42, axisLabel: { interval: 0, rotate: 45, fontSize: 10 }, splitArea: { show: true } },
        yAxis: { type: 'category', data: vols, splitArea: { show: true } },
        visualMap: { dimension: 2, min: -span, max: span, calculable: true, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 180, itemWidth: 12, formatter: (v: number) => fmt(v), inRange: { color: ['#b42318', '#f7d8d5', '#f4f4f4', '#cdebd5', '#1a7f37'] }, text: ['gain', 'loss'] },
        series: [{ type: 'heatmap', data, label: { show: false }, emphasis: { itemStyle: { borderColor: '#333', borderWidth: 1 } } }],
      },
      true,
    );
  }

  showPnl(c: PnlCurve, currency: string): void {
    this.line.setOption(
      {
        animation: false,
        tooltip: { trigger: 'axis', valueFormatter: (v: number) => fmt(v) },
        legend: { data: ['now', 'at expiry'], top: 0 },
        grid: { left: 80, right: 20, top: 30, bottom: 40 },
        xAxis: { type: 'value', name: `${c.underlying} spot`, nameLocation: 'middle', nameGap: 26, min: c.spots[0], max: c.spots[c.spots.length - 1], axisLabel: { formatter: fmt } },
        yAxis: { type: 'value', name: `P&L (${currency})`, axisLabel: { formatter: fmt } },
        series: [
          { name: 'now', type: 'line', showSymbol: false, data: c.spots.map((s, i) => [s, c.now[i]]), lineStyle: { width: 2 },
            markLine: { silent: true, symbol: 'none', data: [{ yAxis: 0 }, { xAxis: c.spots[(c.spots.length - 1) / 2] }], lineStyle: { color: '#999', type: 'dashed' }, label: { show: false } } },
          { name: 'at expiry', type: 'line', showSymbol: false, data: c.spots.map((s, i) => [s, c.expiry[i]]), lineStyle: { width: 2, type: 'dashed' } },
        ],
      },
      true,
    );
  }
}
