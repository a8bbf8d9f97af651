// Turns the runs' figures into the summary: per figure, Herald's and the reference's median,
// min and max over the runs, and the ratio Herald ÷ reference taken pair by pair (both clients
// of one run measured minutes apart on the same machine), then its median, min and max.

/** One figure as it appears in the table. */
export interface Figure {
  id: string;
  /** The table's row heading. */
  label: string;
  unit: string;
  /** Decimal places shown. */
  digits: number;
  /** A target Herald's median should be at or below, shown as a line of its own under the row. */
  target?: Target;
}

export interface Target {
  /** The bound, in the figure's unit. */
  max: number;
  /** What it is, for the table: e.g. "the split build's target". */
  name: string;
}

/** Whether Herald meets a row's target. */
export interface Verdict {
  met: boolean;
  /** For the table's Herald cell: "met, 3.2 KB under" or "not met, 87.0 KB over". */
  cell: string;
  /** A sentence, for a failure's message. */
  text: string;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  values: number[];
}

export interface SummaryRow extends Figure {
  herald: Spread | null;
  reference: Spread | null;
  /** Herald ÷ reference, from the runs where both have a non-zero value. */
  ratio: Spread | null;
}

/** Figures of one client in one run, by figure id; null when it could not be measured. */
export type RunFigures = Record<string, number | null>;

export interface RunPair {
  herald: RunFigures;
  reference: RunFigures;
}

/** The `p`-th percentile (0–100) of `values`, by the nearest-rank method; NaN when empty. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function spread(values: number[]): Spread | null {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return null;
  const sorted = [...finite].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], values: finite };
}

export function summarize(figures: Figure[], runs: RunPair[]): SummaryRow[] {
  return figures.map((figure) => {
    const of = (side: 'herald' | 'reference') =>
      runs.map((run) => run[side][figure.id]).filter((value): value is number => value !== null && value !== undefined);
    const ratios = runs
      .map((run) => [run.herald[figure.id], run.reference[figure.id]] as const)
      .filter((pair): pair is readonly [number, number] => pair[0] != null && pair[1] != null && pair[1] !== 0)
      .map(([herald, reference]) => herald / reference);
    return { ...figure, herald: spread(of('herald')), reference: spread(of('reference')), ratio: spread(ratios) };
  });
}

/**
 * Herald's median against the row's target, with the gap either way; null for a row without
 * one. Not met also when Herald's figure is missing, since then nothing shows it is met.
 */
export function verdict(row: SummaryRow): Verdict | null {
  const target = row.target;
  if (!target) return null;
  const unit = row.unit ? ` ${row.unit}` : '';
  const measured = row.herald?.median;
  if (measured === undefined) {
    return { met: false, cell: 'not measured', text: `${row.label}: not measured, so ${target.name} is not met` };
  }
  const met = measured <= target.max;
  const gap = `${Math.abs(measured - target.max).toFixed(row.digits)}${unit} ${met ? 'under' : 'over'}`;
  return {
    met,
    cell: `${met ? 'met' : '**not met**'}, ${gap}`,
    text:
      `${row.label}: Herald's ${measured.toFixed(row.digits)}${unit} ${met ? 'meets' : 'misses'} ` +
      `${target.name} (at most ${target.max}${unit}): ${gap}`,
  };
}

/** The summary as a Markdown table; a row's target, if it has one, is a line right under it. */
export function markdownTable(rows: SummaryRow[]): string {
  const cell = (value: Spread | null, digits: number, unit: string) => {
    if (!value) return '—';
    const show = (n: number) => n.toFixed(digits);
    const range = value.values.length > 1 ? ` (${show(value.min)}–${show(value.max)})` : '';
    return `${show(value.median)}${unit ? ' ' + unit : ''}${range}`;
  };
  const lines = [
    '| figure | Herald | reference | Herald ÷ reference |',
    '| --- | ---: | ---: | ---: |',
    ...rows.flatMap((row) => {
      const line = `| ${row.label} | ${cell(row.herald, row.digits, row.unit)} | ${cell(row.reference, row.digits, row.unit)} | ${cell(row.ratio, 2, '')} |`;
      const judged = verdict(row);
      if (!judged) return [line];
      const bound = `${row.target!.max}${row.unit ? ' ' + row.unit : ''}`;
      const name = row.target!.name.charAt(0).toUpperCase() + row.target!.name.slice(1);
      return [line, `| ↳ ${name}: at most ${bound} | ${judged.cell} | | |`];
    }),
  ];
  return lines.join('\n');
}
