import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './charts.css';

// One series over time, drawn by uPlot (imported only here, so only the chunks that chart load it).
// The canvas is hidden from assistive technology; the caller gives a text summary and the points
// as a table beside it.

export interface ChartPoint {
  t: string;
  value: number;
}

interface Props {
  points: readonly ChartPoint[];
  label: string;
  /** IANA zone the axis shows times in (the project's). */
  timeZone?: string;
  height?: number;
}

function zoned(timeZone: string | undefined): ((ts: number) => Date) | undefined {
  if (!timeZone) return undefined;
  try {
    new Intl.DateTimeFormat(undefined, { timeZone });
  } catch {
    return undefined;
  }
  return (ts: number) => uPlot.tzDate(new Date(ts * 1000), timeZone);
}

// Counts are whole numbers: the value axis steps by 1, 2, 5, 10, 20… rather than 0.5.
const WHOLE_STEPS = Array.from({ length: 13 }, (_, power) => [1, 2, 5].map((m) => m * 10 ** power)).flat();

export function TimeseriesChart({ points, label, timeZone, height = 240 }: Props) {
  const holder = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);

  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const xs = points.map((point) => Date.parse(point.t) / 1000);
    const ys = points.map((point) => point.value);
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 200),
      height,
      tzDate: zoned(timeZone),
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: [
        { stroke: '#57606a', grid: { stroke: '#eaeef2' } },
        { stroke: '#57606a', grid: { stroke: '#eaeef2' }, size: 50, incrs: WHOLE_STEPS },
      ],
      series: [
        {},
        { label, stroke: '#0b5cad', width: 2, fill: 'rgba(11, 92, 173, 0.12)', points: { show: false } },
      ],
    };
    chart.current = new uPlot(options, [xs, ys], element);
    // Follows the container's width: the side navigation folds away on small screens.
    const observer = new ResizeObserver(() => {
      const width = Math.max(element.clientWidth, 200);
      if (chart.current && chart.current.width !== width) chart.current.setSize({ width, height });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.current?.destroy();
      chart.current = null;
    };
  }, [points, label, timeZone, height]);

  return <div className="chart" ref={holder} aria-hidden="true" data-testid="timeseries-chart" />;
}
