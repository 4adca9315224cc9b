// Every task the engine runs, by name. A task's request type comes from its entry, so adding a
// task is one file in this folder, one line here, one in needs.ts (what it needs), and its tab
// (src/tabs.ts).
import { edit, colorize, inpaint, sketch } from './conditional';
import { reconstruct } from './reconstruct';
import { textToImage, variations } from './text-to-image';
import { understand } from './understand';
import type { TaskDefinition } from './task';
import type { TaskName as NamedInNeeds } from './needs';

export const TASKS = {
  reconstruct,
  'text-to-image': textToImage,
  variations,
  edit,
  colorize,
  inpaint,
  sketch,
  understand,
} as const satisfies Record<NamedInNeeds, TaskDefinition<never>>; // the same names as needs.ts, no more, no fewer

export type TaskName = keyof typeof TASKS;
export type RequestOf<T extends TaskName> = (typeof TASKS)[T] extends TaskDefinition<infer R> ? R : never;

export function isTaskName(name: string): name is TaskName {
  return Object.prototype.hasOwnProperty.call(TASKS, name);
}

export type { ReconstructRequest } from './reconstruct';
export type { TextToImageRequest, VariationsRequest } from './text-to-image';
export type { ConditionalRequest, InpaintRequest, ConditionalKind } from './conditional';
export type { UnderstandRequest } from './understand';
