// The page's side of the task registry (workers/engine/tasks/registry.ts is the engine's): which
// tab shows which tasks, under what label, with which panel. A new task adds its panel here, or
// joins an existing tab's list.
import type { ComponentType } from 'react';
import type { TaskName } from '../workers/engine/tasks/registry';
import { ComparePanel } from './panels/ComparePanel';
import { EditPanel } from './panels/EditPanel';
import { CanvasPanel } from './panels/CanvasPanel';
import { UnderstandPanel } from './panels/UnderstandPanel';

export interface TabEntry {
  id: string;
  label: string;
  /** the tasks its panel starts (workers/engine/tasks/registry.ts) */
  tasks: readonly TaskName[];
  /** its tasks decode images, so the sampler settings (steps, guidance, seed) apply */
  sampler: boolean;
  Panel: ComponentType;
}

export const TABS = [
  { id: 'main', label: 'Generate & compare', tasks: ['reconstruct', 'text-to-image', 'variations'], sampler: true, Panel: ComparePanel },
  { id: 'edit', label: 'Edit', tasks: ['edit'], sampler: true, Panel: EditPanel },
  { id: 'canvas', label: 'Canvas', tasks: ['colorize', 'inpaint', 'sketch'], sampler: true, Panel: CanvasPanel },
  { id: 'understand', label: 'Understand', tasks: ['understand'], sampler: false, Panel: UnderstandPanel },
] as const satisfies readonly TabEntry[];

export type TabId = (typeof TABS)[number]['id'];

/** Where a result can be sent: every tab that takes an image. */
export const SEND_TARGETS = TABS.filter((t) => t.id !== 'main').map((t) => ({ id: t.id as Exclude<TabId, 'main'>, label: t.label }));
