// Each tab's panel (the tabs themselves, and what their tasks need, are data in src/tabs.ts). A
// new tab adds its entry there and its panel here.
import type { ComponentType } from 'react';
import type { TabId } from './tabs';
import { ComparePanel } from './panels/ComparePanel';
import { EditPanel } from './panels/EditPanel';
import { CanvasPanel } from './panels/CanvasPanel';
import { UnderstandPanel } from './panels/UnderstandPanel';

export const PANELS: Record<TabId, ComponentType> = { main: ComparePanel, edit: EditPanel, canvas: CanvasPanel, understand: UnderstandPanel };
