/**
 * A chart drawn by Apache ECharts into a div: created once, given new options on each render,
 * resized with its box, disposed with the component. Nothing more than ECharts itself needs.
 */
import { type CSSProperties, type RefObject, useEffect, useRef } from "react";
import type { EChartsOption } from "echarts";
import { BarChart, GaugeChart, LineChart, PieChart } from "echarts/charts";
import { DatasetComponent, GridComponent, LegendComponent, TitleComponent, TooltipComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";

// Only the charts the console draws (gauges, lines over time, bars and pies for reports): about a
// third of the whole of ECharts. A screen needing another registers it here.
echarts.use([GaugeChart, LineChart, BarChart, PieChart, GridComponent, TooltipComponent, LegendComponent, TitleComponent, DatasetComponent, CanvasRenderer]);

/**
 * An ECharts instance drawing into `box`: created on mount and `draw`n, resized with its box,
 * disposed on unmount; created and drawn again only when `redrawKey` changes.
 */
export function useChartInstance(box: RefObject<HTMLDivElement | null>, draw?: (chart: echarts.ECharts) => void, redrawKey?: string): RefObject<echarts.ECharts | undefined> {
  const chart = useRef<echarts.ECharts | undefined>(undefined);
  useEffect(() => {
    if (!box.current) return undefined;
    const instance = echarts.init(box.current, undefined, { renderer: "canvas" });
    chart.current = instance;
    draw?.(instance);
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(box.current);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = undefined;
    };
    // `draw` is read at creation only; `redrawKey` says when to draw anew.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [redrawKey]);
  return chart;
}

export function EChart(props: { option: EChartsOption; style?: CSSProperties; ariaLabel: string }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useChartInstance(box);

  useEffect(() => {
    chart.current?.setOption(props.option, { notMerge: true });
  }, [chart, props.option]);

  return <div ref={box} role="img" aria-label={props.ariaLabel} style={{ width: "100%", height: 220, ...props.style }} />;
}
