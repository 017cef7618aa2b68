/**
 * A line chart that stays one chart while its data streams in: ECharts draws it once with its
 * axes, and each poll only hands it the new series data (setOption merges), so a screen polled
 * every 2 s during a flood of claims never rebuilds a chart.
 */
import { type CSSProperties, useEffect, useRef } from "react";
import type { EChartsOption } from "echarts";
import { LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

/** One line: its name, the axis it is read on (0 left, 1 right), and its points [time ms, value]. */
export interface LiveSeries {
  name: string;
  yAxisIndex: 0 | 1;
  points: [number, number][];
}

export function LiveChart(props: { series: LiveSeries[]; ariaLabel: string; style?: CSSProperties }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | undefined>(undefined);
  // The names fix the chart's shape; a new set of names (another language) draws it again.
  const names = props.series.map((series) => `${series.yAxisIndex}:${series.name}`).join("|");

  useEffect(() => {
    if (!box.current) return undefined;
    const instance = echarts.init(box.current, undefined, { renderer: "canvas" });
    chart.current = instance;
    const option: EChartsOption = {
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 48, top: 32, bottom: 28 },
      xAxis: { type: "time" },
      yAxis: [
        { type: "value", min: 0, name: props.series.find((s) => s.yAxisIndex === 0)?.name },
        { type: "value", min: 0, name: props.series.find((s) => s.yAxisIndex === 1)?.name, splitLine: { show: false } },
      ],
      series: props.series.map((series) => ({ type: "line", name: series.name, yAxisIndex: series.yAxisIndex, showSymbol: false, data: series.points })),
    };
    instance.setOption(option);
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(box.current);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = undefined;
    };
    // Drawn again only when the series' names change; their data flows in below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [names]);

  useEffect(() => {
    chart.current?.setOption({ series: props.series.map((series) => ({ data: series.points })) });
  }, [props.series]);

  return <div ref={box} role="img" aria-label={props.ariaLabel} style={{ width: "100%", height: 200, ...props.style }} />;
}
