// Issue 5's part of the worker interface: the conditional tasks (edit, colorize, inpaint, sketch)
// and understanding (caption, VQA). protocol.ts folds these into PipelineApi / PipelineEvent.
import type { RGBAImage } from '../lib/image';

export type ConditionalTask = 'edit' | 'colorize' | 'inpaint' | 'sketch';

export interface ConditionalRequest {
  task: ConditionalTask;
  /** any size; composited on white and resized to the model's size, like every input */
  image: RGBAImage;
  /** inpaint only: same aspect as image, any size; a pixel whose red channel is > 127 is the hole */
  mask?: RGBAImage;
  /** inpaint only: keep the original pixels outside the hole (default true); false shows the model's raw output */
  keepUnmasked?: boolean;
  /** edit: the instruction (required); other tasks: the manifest's wording is used when absent */
  instruction?: string;
  scales: string[]; // decode order, e.g. ['f4','f3','f2','f1','f0']
  steps: number;
  guidance: number;
  seed: number;
}

export interface UnderstandRequest {
  image: RGBAImage;
  /** absent or empty with caption: true -> the manifest's caption question */
  question?: string;
  caption?: boolean;
  maxTokens?: number;
}

/** What the model knows how to be asked: from the manifest's mllm.prompts. */
export interface TaskInfo {
  available: boolean;
  reason?: string;
  instructions: { label: string; text: string; kind: 'tone' | 'style' }[];
  questions: { label: string; text: string }[];
  taskPrompts: { colorize: string; inpaint: string; sketch: string; caption: string };
  /** longest instruction/question the context leaves room for, in tokens */
  maxInstructionTokens: number;
  maxQuestionTokens: number;
}

export type TaskEvent =
  /** the image the encoder was given (grayscale / masked / edge map / the image itself) */
  | { type: 'source'; task: ConditionalTask | 'understand'; image: RGBAImage }
  /** one more piece of a streamed text answer */
  | { type: 'text'; piece: string; text: string; tokens: number };

export interface TaskApi {
  taskInfo(): Promise<TaskInfo>;
  conditional(req: ConditionalRequest, onEvent: (e: import('./protocol').PipelineEvent) => void): Promise<'done' | 'cancelled'>;
  understand(req: UnderstandRequest, onEvent: (e: import('./protocol').PipelineEvent) => void): Promise<'done' | 'cancelled'>;
}
