/**
 * The console's one gauge: a progress arc from 0 to `max` with a label under it and `detail`
 * written in the middle (the budget gauges in yuan, the quota gauges in units).
 */
import type { EChartsOption } from "echarts";

export function gaugeOption(input: { label: string; value: number; max: number; detail: string }): EChartsOption {
  return {
    // Refreshed every 10 s: an animation from zero each time would show wrong figures in between.
    animation: false,
    series: [
      {
        type: "gauge",
        min: 0,
        max: input.max,
        progress: { show: true, width: 10 },
        axisLine: { lineStyle: { width: 10 } },
        axisLabel: { show: false },
        splitLine: { show: false },
        axisTick: { show: false },
        pointer: { show: false },
        title: { offsetCenter: [0, "70%"], fontSize: 13 },
        detail: { valueAnimation: false, offsetCenter: [0, "10%"], fontSize: 15, formatter: () => input.detail },
        data: [{ value: input.value, name: input.label }],
      },
    ],
  };
}
