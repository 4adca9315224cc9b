// What each task needs, as data the page can import without the engine (transformers.js's
// SUPPORTED_TASKS): whether the MLLM must be loaded, whether the sampler settings apply, which
// inputs it reads and what it gives back. registry.ts checks that every task has an entry.
export type TaskInput = 'image' | 'prompt' | 'instruction' | 'question' | 'mask';

export interface TaskNeeds {
  /** what the page calls it in messages ("Text to image needs the MLLM ...") */
  label: string;
  /** the MLLM must be loaded (variations only decode features it already wrote: no) */
  mllm: boolean;
  /** it decodes images, so steps, guidance and seed apply */
  sampler: boolean;
  inputs: readonly TaskInput[];
  /** one image per scale, or a streamed text answer */
  output: 'images' | 'text';
}

const NEEDS = {
  reconstruct: { label: 'Reconstruction', mllm: false, sampler: true, inputs: ['image'], output: 'images' },
  'text-to-image': { label: 'Text to image', mllm: true, sampler: true, inputs: ['prompt'], output: 'images' },
  variations: { label: 'Variations', mllm: false, sampler: true, inputs: ['prompt'], output: 'images' },
  edit: { label: 'Edit', mllm: true, sampler: true, inputs: ['image', 'instruction'], output: 'images' },
  colorize: { label: 'Colorize', mllm: true, sampler: true, inputs: ['image'], output: 'images' },
  inpaint: { label: 'Inpaint', mllm: true, sampler: true, inputs: ['image', 'mask'], output: 'images' },
  sketch: { label: 'Sketch', mllm: true, sampler: true, inputs: ['image'], output: 'images' },
  understand: { label: 'Understand', mllm: true, sampler: false, inputs: ['image', 'question'], output: 'text' },
} as const satisfies Record<string, TaskNeeds>;

export type TaskName = keyof typeof NEEDS;
export const TASK_NEEDS: Readonly<Record<TaskName, TaskNeeds>> = NEEDS;
