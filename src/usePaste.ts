// One paste listener for the page: an image pasted goes to the tab shown at that moment (the
// store routes it: src/state/settingsSlice.ts `paste`), never to a hidden tab. Text pasted into
// a text field is left to the field, even when the clipboard also holds an image (some apps copy
// both).
import { useEffect } from 'react';
import { readImageFile } from './components/ImageSource';
import { appStore } from './store';

const editable = (t: EventTarget | null) => t instanceof HTMLElement && (t.isContentEditable || t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement);

export function usePaste() {
  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      const data = e.clipboardData;
      if (!data || (editable(e.target) && data.types.includes('text/plain'))) return;
      const f = [...data.items].find((i) => i.kind === 'file')?.getAsFile();
      if (!f) return;
      e.preventDefault();
      const { tab, actions } = appStore.getState();
      const name = f.name && f.name !== 'image.png' ? f.name : 'pasted image';
      void readImageFile(f, name, (m) => actions.setMessage(tab, m)).then((img) => img && actions.paste(img, name, tab));
    };
    window.addEventListener('paste', onPaste);
    return () => window.removeEventListener('paste', onPaste);
  }, []);
}
