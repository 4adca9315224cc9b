// The page's worker: the same EngineApi as in the page's own thread (engine-api.ts), exposed
// through comlink. Each load and run answers with one stream (stream.ts: one port, in order);
// Cancel travels as its own call; errors keep their class (errors.ts).
import * as Comlink from 'comlink';
import { engineHost } from './engine-api';
import { installErrorTransfer } from './errors';
import { loadEngineInBrowser, startProvider } from './load-in-browser';
import { installStreamTransfer } from './stream';

installErrorTransfer();
installStreamTransfer();
Comlink.expose(engineHost(loadEngineInBrowser, startProvider));
