import { createContext } from 'react';
import type { ImageTab } from './store';

/** The tabs a result can be sent to (App provides them from src/tasks.tsx). */
export const SendTargets = createContext<readonly { id: ImageTab; label: string }[]>([]);
