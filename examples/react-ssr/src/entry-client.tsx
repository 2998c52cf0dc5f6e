// The client half: hydrates the server's HTML with the same App and the same verification id,
// read back from the markup, so React attaches the element's event listeners without
// re-rendering it.
import { hydrateRoot } from 'react-dom/client';
import { App } from '../../react-app/App.js';

const root = document.getElementById('root')!;
const verificationId = root.querySelector<HTMLElement>('[data-verification-id]')?.dataset.verificationId;
hydrateRoot(root, <App verificationId={verificationId} />);
