// The page's side of the task registry (workers/engine/tasks/registry.ts is the engine's): which
// tab shows which tasks, under what label, with which panel. A new task adds its panel here, or
// joins an existing tab's list.
import type { ComponentType } from 'react';
import type { TaskName } from '../workers/engine/tasks/registry';
import type { TabId } from './store';
import { ComparePanel } from './panels/ComparePanel';
import { EditPanel } from './panels/EditPanel';
import { CanvasPanel } from './panels/CanvasPanel';
import { UnderstandPanel } from './panels/UnderstandPanel';

export interface TabEntry {
  id: TabId;
  label: string;
  tasks: TaskName[];
  Panel: ComponentType;
}

export const TABS: TabEntry[] = [
  { id: 'main', label: 'Generate & compare', tasks: ['reconstruct', 'text-to-image', 'variations'], Panel: ComparePanel },
  { id: 'edit', label: 'Edit', tasks: ['edit'], Panel: EditPanel },
  { id: 'canvas', label: 'Canvas', tasks: ['colorize', 'inpaint', 'sketch'], Panel: CanvasPanel },
  { id: 'understand', label: 'Understand', tasks: ['understand'], Panel: UnderstandPanel },
];
