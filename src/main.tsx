import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
// Before App: the components' own stylesheets, imported down its tree, must come after the shared base.
import './ui/base.css';
import { App } from './ui/App.tsx';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
