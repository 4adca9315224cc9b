// The page state's shape: one store (createAppStore) built from three slices, each in its own
// file: loading (models, provider, manifest facts), runs (one per tab, the queue), settings (the
// sampler, the prompt, the tab, picked images, share link and history).
import type { RGBAImage } from '../../workers/lib/image';
import type { EpChoice, FileState, Provider, RuntimeStartTimes, TaskInfo } from '../../workers/engine/protocol';
import type { LoadFailureReason } from '../../workers/engine/load-failure';
import type { Manifest } from '../../workers/lib/manifest';
import type { PlanInfo } from '../../workers/mllm/plan';
import type { FileProgress } from '../../workers/lib/modelstore';
import type { RequestOf, TaskName } from '../../workers/engine/tasks/registry';
import type { PageFacts } from '../newcomer/pageFacts';
import type { HistoryEntry, HistoryNotice } from '../resultHistory';
import type { ImageTab, TabId } from '../tabs';

export type { ImageTab, TabId };

/** A file's download progress (as the model store reports it). */
export type FileLoad = Omit<FileProgress, 'verifying'>;

export interface ScaleResult {
  scale: string;
  step: number;
  steps: number;
  image?: RGBAImage;
  psnr?: number;
  ms?: number;
}

export type Phase = 'starting' | 'loading' | 'ready' | 'running' | 'error';
/** 'queued': given while the models load (or while the MLLM a task needs loads or failed), or waiting in line behind another
 * tab's run (src/state/runLine.ts); it starts once they are ready / that run ends */
export type RunStatus = 'idle' | 'queued' | 'running' | 'done' | 'cancelled' | 'error';

/** One model file of the load, from the moment the manifest is read. */
export interface FileStatus {
  model: string;
  file: string;
  bytes: number;
  /** only the MLLM's tasks need it */
  mllm: boolean;
  state: FileState;
  reason?: LoadFailureReason;
  message?: string;
}

/** One tab's run: the last task started there and everything it reported. */
export interface Run {
  task: TaskName | null;
  status: RunStatus;
  /** the prompt, instruction or question (what the grid's caption repeats) */
  text: string;
  /** the file or sample the input came from */
  inputName: string | null;
  /** the image as the model sees it */
  input: RGBAImage | null;
  /** what the encoder was given (grayscale / masked / edge map / the image) */
  source: RGBAImage | null;
  results: Record<string, ScaleResult>;
  recommended: string | null;
  mllm: { tokens: number; total: number; ms: number } | null;
  encodeMs: number | null;
  totalMs: number | null;
  /** what the MLLM said it would draw (a model with a plan) */
  plan: PlanInfo | null;
  /** streamed text answer */
  answer: string;
  tokens: number;
  /** a picked caption: the names it was picked among, best first, with their share of the pick's scores */
  alternatives: { text: string; p: number }[] | null;
  /** a bad-input or failure message shown in the tab */
  message: string | null;
  /** restored from the history: the images are its stored thumbnails */
  fromHistory?: boolean;
  /** the tab's pick (Picked.seq) the run was given: what its plan says about that image is
   * learned by that pick only, not by an image chosen since */
  pickSeq?: number;
  /** the request the engine was given (the sampler settings and seed of its start included), which `again` runs
   * with a change; for an image tab's run put back from the history, the one its entry holds (its image as the
   * engine read it); null for a run that never started (idle, queued) or the first tab's from the history */
  request: AnyRequest | null;
}

/** Any task's request, as the engine gets it. */
export type AnyRequest = { [T in TaskName]: RequestOf<T> }[TaskName];

/** Whether a tab's run is going: the engine has it, whether the tab shows it or a run put back from the history took
 * the grid from it (RunsState.inFlight). What the tab's Restart label, Cancel and plan bar wait on. */
export function runGoing(s: Pick<RunsState, 'inFlight' | 'runs'>, tab: TabId): boolean {
  return !!s.inFlight[tab] || s.runs[tab]?.status === 'running';
}

export function idleRun(): Run {
  // every field a run may carry is reset here: a tab's run is set by merging (setRun), so a field left out would
  // outlive its run (a run started over one put back from the history was still marked fromHistory, and not kept)
  return { task: null, status: 'idle', text: '', inputName: null, input: null, source: null, results: {}, recommended: null, mllm: null, plan: null, encodeMs: null, totalMs: null, answer: '', tokens: 0, alternatives: null, message: null, fromHistory: false, pickSeq: undefined, request: null };
}

export const IDLE_RUN: Readonly<Run> = Object.freeze(idleRun());

export interface Picked {
  image: RGBAImage;
  name: string;
  /** bumps on every pick so a tab can react to the same image sent twice */
  seq: number;
  /** what the image shows, when the page knows (a hint only: the model reads the pixels) */
  concept?: SourceConcept;
  /** put back from the history: the run's own text and flags, for the tab's form to show and its next run to use */
  restored?: RestoredRun;
}

/** What a history entry of an image-taking tab puts back beside its image (src/resultHistory.ts). */
export interface RestoredRun {
  task: TaskName;
  /** the instruction or question ('' for a caption or a canvas task's default) */
  text: string;
  /** edit: false when the user's design was kept */
  restyle?: boolean;
  /** inpaint */
  keepUnmasked?: boolean;
  /** inpaint: the hole the run's engine read, one value per pixel of the image (1 = hole), for the canvas to paint back */
  mask?: Uint8Array;
}

/** The concept of a tab's input image, as the page came to know it: a sample's own metadata, the
 * plan of the run that drew it (a result sent here), or the plan of the model's last run on it. */
export interface SourceConcept {
  /** as the sample or the plan names it ("hot beverage") */
  name: string;
  /** a sample's code points ("2615") */
  code?: string;
  from: 'sample' | 'drawn' | 'read';
}

/** A task's request without the sampler settings, which the store adds. */
type SamplerKeys = 'scales' | 'steps' | 'guidance' | 'seed';
export type TaskRequest<T extends TaskName> = Omit<RequestOf<T>, SamplerKeys> & Partial<Pick<RequestOf<T>, Extract<keyof RequestOf<T>, SamplerKeys>>>;

export type TimelineEntry = {
  t: number;
  type: string;
  scale?: string;
  ms?: number;
  stepMs?: number[];
  psnr?: number;
  fromCache?: boolean;
  phases?: Record<string, number>;
  /** 'loaded': the runtime's start, part by part */
  runtimeStart?: RuntimeStartTimes;
  /** 'mllm-loaded': whether the MLLM loaded */
  ok?: boolean;
};

export interface LoadState {
  phase: Phase;
  error: string | null;
  provider: Provider | null;
  providerReason: string | null;
  /** where the MLLM runs (null: not loaded, or not said) and why not where the decoders do */
  mllmProvider: Provider | null;
  mllmReason: string | null;
  adapter: string | null;
  threads: number;
  isolated: boolean;
  cache: { status: 'ok' | 'unavailable'; reason?: string } | null;
  files: Record<string, FileLoad>;
  /** every model file's state (queued ... ready / failed), keyed by file */
  fileStates: Record<string, FileStatus>;
  /** the validated manifest, as soon as the engine has read it */
  manifest: Manifest | null;
  /** the few manifest facts the page's own controls need (derived from `manifest`) */
  facts: PageFacts | null;
  totalLoaded: number;
  totalBytes: number;
  loadMs: number | null;
  loadedFromCache: boolean;
  scales: string[]; // finest first, from the manifest
  scaleLabels: Record<string, string>; // from the manifest
  allowedSteps: number[];
  textToImage: boolean; // the MLLM is loaded
  /** the MLLM goes on loading after the visual models are ready (its tasks' input is queued) */
  mllmLoading: boolean;
  /** why the MLLM's load failed (its session; a failed file is in fileStates), null otherwise */
  mllmError: string | null;
  /** ms from the load's start to the MLLM's readiness (or failure) */
  mllmLoadMs: number | null;
  taskInfo: TaskInfo | null;
}

export interface LoadActions {
  init(ep: EpChoice): Promise<void>;
  fallbackToWasm(reason: string): Promise<void>;
  /** Loads again after a failed file (Retry, or the browser coming back online). */
  retryLoad(): Promise<void>;
  /** The browser is online again: a failed load tries again (now, or when the one going ends). */
  online(): void;
  loadTaskInfo(): Promise<void>;
  /** exact MLLM token count of a text; null until the MLLM is loaded */
  countTokens(text: string): Promise<number | null>;
}

export interface RunsState {
  /** the first tab's bad-input messages: the page stays usable */
  notice: string | null;
  /** one run per tab, created when the tab's first task starts */
  runs: Partial<Record<TabId, Run>>;
  /** the tabs whose run the engine has now, shown or not: true from its start until it ends (done, failed or
   * cancelled), unless a newer run of the tab took over; a run put back from the history over one still going
   * shows 'done' while it ends, and its plan bar waits for it (the first tab's phase says the same) */
  inFlight: Partial<Record<TabId, boolean>>;
  lastGenerated: string | null; // the prompt whose features "variations" can decode again
  /** Every event of the page's runs with its page time (ms), images left out: read by bench/ and e2e. */
  timeline: TimelineEntry[];
}

export interface RunOptions {
  text?: string;
  inputName?: string | null;
  /** the tab's pick the request's image is (Run.pickSeq) */
  pickSeq?: number;
  keep?: Partial<Run>;
}

export interface RunsActions {
  /** Runs a task in a tab; false when it did not finish ('cancelled', refused or failed). */
  run<T extends TaskName>(tab: TabId, task: T, request: TaskRequest<T>, opts?: RunOptions): Promise<boolean>;
  /** Runs the tab's last `task` run again with the request it was given (its image, text, scales, steps, guidance
   * and seed, whatever the settings say now), `change` applied: an edit kept or restyled (ConditionalRequest.restyle).
   * False, and nothing runs, when the tab's last run was another task or never started. */
  again<T extends TaskName>(tab: TabId, task: T, change: Partial<RequestOf<T>>): Promise<boolean>;
  /** `plan`: draw this plan (a picked candidate, style or tone) instead of the model's; absent:
   * the settings' planOverride, else the model's own */
  generate(prompt: string, plan?: string | null): Promise<void>;
  variations(): Promise<void>;
  /** Cancels the tab's run (in flight, in line or waiting for the models); without a tab, all. */
  cancel(tab?: TabId): void;
  setMessage(tab: TabId, message: string | null): void;
  dismissNotice(): void;
}

export interface SettingsState {
  /** the text-to-image prompt box (in the store so a link or a history entry can fill it) */
  prompt: string;
  /** a plan the next Generate draws instead of the model's (from a link or the history);
   * cleared when the prompt changes */
  planOverride: string | null;
  steps: number;
  guidance: number;
  seed: number;
  t2iScales: string[]; // which scales text-to-image asks for (the MLLM stops after the finest)
  tab: TabId;
  picked: Partial<Record<ImageTab, Picked>>;
  selected: string | null; // scale of the first tab's grid in the large view
  history: HistoryEntry[];
  /** what the history said of the last result it was given (AddResult's message); `clearable`: clearing the history
   * answers it (the quota, a newer page's history), so the strip offers Clear even with no entry listed */
  historyNotice: HistoryNotice | null;
}

export interface SettingsActions {
  setPrompt(p: string): void;
  /** a plan for the next Generate (null: the model plans) */
  setPlanOverride(plan: string | null): void;
  setSteps(n: number): void;
  setGuidance(g: number): void;
  setSeed(s: number): void;
  toggleT2IScale(scale: string): void;
  setTab(t: TabId): void;
  /** `concept`: what the image shows, when known (a sample's metadata, a result's plan) */
  pick(tab: ImageTab, image: RGBAImage, name: string, concept?: SourceConcept): void;
  /** one-click hand-over of any result to another tab (switches to it) */
  sendTo(tab: ImageTab, image: RGBAImage, name: string, concept?: SourceConcept): void;
  /** An image pasted while `tab` was shown (the shown tab by default) goes to that tab's input:
   * the first tab reconstructs it, Edit, Canvas and Understand take it; a tab without an image
   * input says so. No other tab is touched. */
  paste(image: RGBAImage, name: string, tab?: TabId): void;
  select(scale: string | null): void;
  pickHistory(e: HistoryEntry): void;
  clearHistory(): void;
}

export type AppState = LoadState & RunsState & SettingsState & { actions: LoadActions & RunsActions & SettingsActions };
