/**
 * A line chart that stays one chart while its data streams in: ECharts draws it once with its
 * axes, and each poll only hands it the new series data (setOption merges), so a screen polled
 * every 2 s during a flood of claims never rebuilds a chart.
 */
import { type CSSProperties, useEffect, useRef } from "react";
import type { EChartsOption } from "echarts";
import { useChartInstance } from "./EChart";

/** One line: its name, the axis it is read on (0 left, 1 right), and its points [time ms, value]. */
export interface LiveSeries {
  name: string;
  yAxisIndex: 0 | 1;
  points: [number, number][];
}

/** Both axes and every line, with the points so far. */
function lineOption(series: LiveSeries[]): EChartsOption {
  return {
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 48, right: 48, top: 32, bottom: 28 },
    xAxis: { type: "time" },
    yAxis: [
      { type: "value", min: 0, name: series.find((s) => s.yAxisIndex === 0)?.name },
      { type: "value", min: 0, name: series.find((s) => s.yAxisIndex === 1)?.name, splitLine: { show: false } },
    ],
    series: series.map((line) => ({ type: "line", name: line.name, yAxisIndex: line.yAxisIndex, showSymbol: false, data: line.points })),
  };
}

export function LiveChart(props: { series: LiveSeries[]; ariaLabel: string; style?: CSSProperties }) {
  const box = useRef<HTMLDivElement>(null);
  // The names fix the chart's shape; a new set of names (another language) draws it again.
  const names = props.series.map((series) => `${series.yAxisIndex}:${series.name}`).join("|");

  const chart = useChartInstance(box, (instance) => instance.setOption(lineOption(props.series)), names);

  useEffect(() => {
    chart.current?.setOption({ series: props.series.map((series) => ({ data: series.points })) });
  }, [chart, props.series]);

  return <div ref={box} role="img" aria-label={props.ariaLabel} style={{ width: "100%", height: 200, ...props.style }} />;
}
