// Static hosts cannot send COOP/COEP headers; our service worker adds them (like
// coi-serviceworker) and keeps the app shell for offline use. The dev server sends the headers
// itself and is left alone.
export async function registerServiceWorker(): Promise<void> {
  if (import.meta.env.DEV || !('serviceWorker' in navigator)) return;
  try {
    await navigator.serviceWorker.register('./coi-sw.js');
    if (!crossOriginIsolated && !sessionStorage.getItem('puma-coi-reload')) {
      // the page that registered is not controlled yet: reload once under the worker's headers
      sessionStorage.setItem('puma-coi-reload', '1');
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) location.reload();
      else if (!crossOriginIsolated) location.reload();
    }
  } catch (e) {
    console.warn('service worker not registered:', e);
  }
}
