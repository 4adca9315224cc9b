// One mode's drawing for the canvas panel: loaded from IndexedDB when the mode is shown, every
// edit through history.ts's reducer (so nothing acts on a drawing that has not loaded) and saved
// after it. A refused storage is reported; the canvas keeps working without it.
import { useCallback, useEffect, useRef, useState } from 'react';
import { drawingReducer, editable, EMPTY_DRAWING, initialDrawing, type CanvasMode, type DrawingAction, type Op } from './history';
import { loadDrawing, saveDrawing } from './storage';

const refused = (e: unknown) => `Your drawing cannot be kept across reloads here (${(e as Error)?.message ?? 'storage refused'}).`;

export function useDrawing(mode: CanvasMode) {
  const [state, setState] = useState(() => initialDrawing(mode));
  const [storage, setStorage] = useState<string | null>(null);
  const now = useRef(state);
  const dispatch = useCallback((a: DrawingAction, save: boolean) => {
    const next = drawingReducer(now.current, a);
    if (next === now.current) return;
    now.current = next;
    setState(next);
    if (save) saveDrawing(next.mode, next.drawing).then(() => setStorage(null), (e) => setStorage(refused(e)));
  }, []);

  useEffect(() => {
    let off = false;
    dispatch({ type: 'switch', mode }, false);
    loadDrawing(mode).then(
      (d) => !off && dispatch({ type: 'loaded', mode, drawing: d ?? EMPTY_DRAWING }, false),
      (e) => {
        if (off) return;
        dispatch({ type: 'loaded', mode, drawing: EMPTY_DRAWING }, false);
        setStorage(refused(e));
      },
    );
    return () => {
      off = true;
    };
  }, [mode, dispatch]);

  return {
    drawing: state.drawing,
    /** this mode's stored drawing is the one shown (false from the render that shows a new mode) */
    loaded: editable(state, mode),
    /** why the drawing is not kept across reloads, if it is not */
    storage,
    push: (op: Op) => dispatch({ type: 'push', mode, op }, true),
    undo: () => dispatch({ type: 'undo', mode }, true),
    redo: () => dispatch({ type: 'redo', mode }, true),
    clear: () => dispatch({ type: 'clear', mode }, true),
  };
}
