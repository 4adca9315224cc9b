// The grid's timing line says what the run made: "All five" only when all five were asked for.

const WORDS = ['', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** "All five in 3.20 s.", "f4 in 0.40 s.", "3 scales in 1.10 s." */
export function runTimeLine(scalesInRun: string[], allScales: number, ms: number): string {
  const n = scalesInRun.length;
  const what = n === allScales && n > 1 ? `All ${WORDS[n] ?? n}` : n === 1 ? scalesInRun[0] : `${n} scales`;
  return `${what} in ${(ms / 1000).toFixed(2)} s.`;
}
