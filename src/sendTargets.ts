import { createContext } from 'react';
import type { ImageTab } from './tabs';

/** The tabs a result can be sent to (App provides them from src/tabs.ts). */
export const SendTargets = createContext<readonly { id: ImageTab; label: string }[]>([]);
