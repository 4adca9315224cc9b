// Issue 5's state: the Edit, Canvas and Understand panels, and which panel is shown. A separate
// zustand store beside src/store.ts (which owns loading, the provider and the first panel); it
// reads that store for readiness and asks it to fall back to WASM when WebGPU fails.
import { create } from 'zustand';
import type { RGBAImage } from '../../workers/lib/image';
import { WEBGPU_FAILED, type PipelineEvent } from '../../workers/pipeline/protocol';
import type { ConditionalRequest, ConditionalTask, TaskInfo } from '../../workers/pipeline/tasks-protocol';
import { pipeline } from '../pipelineClient';
import { useApp, type ScaleResult } from '../store';

export type PanelId = 'main' | 'edit' | 'canvas' | 'understand';
export type RunKey = 'edit' | 'canvas';
export type CanvasMode = 'colorize' | 'inpaint' | 'sketch';

/** One scale's cell: the same shape as the first panel's. */
export type TaskScale = ScaleResult;

export interface CondRun {
  task: ConditionalTask | null;
  status: 'idle' | 'running' | 'done' | 'cancelled' | 'error';
  instruction: string;
  input: RGBAImage | null;
  source: RGBAImage | null;
  results: Record<string, TaskScale>;
  recommended: string | null;
  mllm: { tokens: number; total: number } | null;
  totalMs: number | null;
  message: string | null;
}

export interface Picked {
  image: RGBAImage;
  name: string;
  /** bumps on every send so a panel can react to the same image sent twice */
  seq: number;
}

export interface UnderstandState {
  status: 'idle' | 'running' | 'done' | 'cancelled' | 'error';
  question: string;
  answer: string;
  tokens: number;
  seen: RGBAImage | null;
  message: string | null;
  ms: number | null;
}

const emptyRun = (): CondRun => ({ task: null, status: 'idle', instruction: '', input: null, source: null, results: {}, recommended: null, mllm: null, totalMs: null, message: null });

export interface TaskState {
  panel: PanelId;
  info: TaskInfo | null;
  picked: Record<'edit' | 'canvas' | 'understand', Picked | null>;
  runs: Record<RunKey, CondRun>;
  understand: UnderstandState;
  actions: {
    setPanel(p: PanelId): void;
    loadInfo(): Promise<void>;
    /** one-click hand-over of any result to another panel (switches to it) */
    sendTo(panel: 'edit' | 'canvas' | 'understand', image: RGBAImage, name: string): void;
    pick(panel: 'edit' | 'canvas' | 'understand', image: RGBAImage, name: string): void;
    setMessage(key: RunKey | 'understand', message: string | null): void;
    runConditional(key: RunKey, req: Omit<ConditionalRequest, 'scales' | 'steps' | 'guidance' | 'seed'>): Promise<void>;
    ask(image: RGBAImage, question: string, caption: boolean): Promise<void>;
    cancel(): void;
  };
}

let seq = 0;
let runIds: Record<string, number> = {};

function appReady(): string | null {
  const s = useApp.getState();
  if (s.phase === 'ready' || s.phase === 'running') return null;
  if (s.phase === 'error') return `The models failed to load: ${s.error ?? 'unknown error'}`;
  return 'The models are still loading; try again in a moment.';
}

/** Runs fn; when WebGPU fails mid-run, lets the app move to WASM and runs it once more. */
async function withFallback(fn: () => Promise<unknown>) {
  try {
    await fn();
  } catch (e) {
    const msg = (e as Error).message || String(e);
    if (!msg.startsWith(WEBGPU_FAILED)) throw e;
    await useApp.getState().actions.fallbackToWasm(msg.slice(WEBGPU_FAILED.length));
    if (useApp.getState().phase !== 'ready') throw new Error(`WebGPU failed and WASM could not start: ${useApp.getState().error ?? ''}`);
    await fn();
  }
}

function cleanError(e: unknown): string {
  const m = (e as Error)?.message || String(e);
  // comlink re-throws worker errors with the worker's message; strip a leading "Error: "
  return m.replace(/^Error:\s*/, '');
}

export const useTasks = create<TaskState>()((set, get) => {
  const setRun = (key: RunKey, patch: Partial<CondRun> | ((r: CondRun) => Partial<CondRun>)) =>
    set((s) => ({ runs: { ...s.runs, [key]: { ...s.runs[key], ...(typeof patch === 'function' ? patch(s.runs[key]) : patch) } } }));
  const setU = (patch: Partial<UnderstandState>) => set((s) => ({ understand: { ...s.understand, ...patch } }));

  return {
    panel: 'main',
    info: null,
    picked: { edit: null, canvas: null, understand: null },
    runs: { edit: emptyRun(), canvas: emptyRun() },
    understand: { status: 'idle', question: '', answer: '', tokens: 0, seen: null, message: null, ms: null },
    actions: {
      setPanel: (p) => set({ panel: p }),
      async loadInfo() {
        if (get().info?.available) return;
        try {
          set({ info: await pipeline.taskInfo() });
        } catch (e) {
          set({ info: { available: false, reason: cleanError(e), instructions: [], questions: [], taskPrompts: { colorize: '', inpaint: '', sketch: '', caption: '' }, maxInstructionTokens: 0, maxQuestionTokens: 0 } });
        }
      },
      pick(panel, image, name) {
        set((s) => ({ picked: { ...s.picked, [panel]: { image, name, seq: ++seq } } }));
      },
      sendTo(panel, image, name) {
        get().actions.pick(panel, image, name);
        set({ panel });
      },
      setMessage(key, message) {
        if (key === 'understand') setU({ message });
        else setRun(key, { message });
      },
      async runConditional(key, req) {
        const notReady = appReady();
        if (notReady) return setRun(key, { message: notReady });
        const app = useApp.getState();
        const order = [...app.scales].reverse(); // coarse to fine: f4 first
        const empty: Record<string, TaskScale> = {};
        for (const sc of order) empty[sc] = { scale: sc, step: 0, steps: app.steps };
        const id = (runIds[key] = (runIds[key] ?? 0) + 1);
        const live = () => runIds[key] === id;
        const reset = { task: req.task, status: 'running' as const, instruction: req.instruction ?? '', input: null, source: null, results: empty, recommended: null, mllm: null, totalMs: null, message: null };
        setRun(key, reset);
        const onEvent = (e: PipelineEvent) => {
          if (!live()) return;
          switch (e.type) {
            case 'input':
              return setRun(key, { input: e.image });
            case 'source':
              return setRun(key, { source: e.image });
            case 'step':
              return setRun(key, (r) => ({ results: { ...r.results, [e.scale]: { ...r.results[e.scale], scale: e.scale, step: e.step, steps: e.steps } } }));
            case 'image':
              return setRun(key, (r) => ({ results: { ...r.results, [e.scale]: { ...r.results[e.scale], scale: e.scale, image: e.image, psnr: e.psnr, ms: e.ms } } }));
            case 'mllm':
              return setRun(key, { mllm: { tokens: e.tokens, total: e.total } });
            case 'recommend':
              return setRun(key, { recommended: e.scale });
            case 'done':
              return setRun(key, { status: 'done', totalMs: e.ms });
            case 'cancelled':
              return setRun(key, { status: 'cancelled', message: 'Cancelled. The results so far are kept.' });
          }
        };
        try {
          await withFallback(async () => {
            if (live()) setRun(key, reset);
            await pipeline.conditional({ ...req, scales: order, steps: app.steps, guidance: app.guidance, seed: app.seed }, onEvent);
          });
        } catch (e) {
          if (live()) setRun(key, { status: 'error', message: cleanError(e) });
        }
      },
      async ask(image, question, caption) {
        const notReady = appReady();
        if (notReady) return setU({ message: notReady });
        const id = (runIds.understand = (runIds.understand ?? 0) + 1);
        const live = () => runIds.understand === id;
        setU({ status: 'running', question, answer: '', tokens: 0, message: null, ms: null });
        const onEvent = (e: PipelineEvent) => {
          if (!live()) return;
          if (e.type === 'source') setU({ seen: e.image });
          else if (e.type === 'text') setU({ answer: e.text, tokens: e.tokens });
          else if (e.type === 'done') setU({ status: 'done', ms: e.ms });
          else if (e.type === 'cancelled') setU({ status: 'cancelled', message: 'Cancelled.' });
        };
        try {
          await withFallback(() => pipeline.understand({ image, question, caption }, onEvent));
        } catch (e) {
          if (live()) setU({ status: 'error', message: cleanError(e) });
        }
      },
      cancel() {
        void pipeline.cancel();
      },
    },
  };
});

// e2e reads panel state from here (state only)
(globalThis as unknown as { __pumaTasks: () => object }).__pumaTasks = () => {
  const s = useTasks.getState();
  return { panel: s.panel, runs: s.runs, understand: { ...s.understand, seen: null } };
};
