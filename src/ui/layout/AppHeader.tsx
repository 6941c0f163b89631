import { useState } from 'react';
import { shareableUrl, useSettings } from '../../store/settings.ts';
import { VIEW_SETTINGS_SCHEMA } from '../../store/view-settings.ts';
import { BackendBadge } from '../system/BackendBadge.tsx';
import './layout.css';

const THEME_LABELS = { auto: 'System theme', light: 'Light', dark: 'Dark' };

/** Title, what the page is for, and the page-wide controls: share link, theme, compute backend. */
export function AppHeader() {
  const theme = useSettings((s) => s.view.theme);
  const setViewSetting = useSettings((s) => s.setViewSetting);
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copyLink = async () => {
    try {
      await navigator.clipboard.writeText(shareableUrl());
      setCopied('copied');
    } catch {
      // Clipboard access can be refused; the address bar holds the same link.
      setCopied('failed');
    }
    setTimeout(() => setCopied('idle'), 2500);
  };
  return (
    <header className="app-header">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">
          <span />
          <span />
        </span>
        <div>
          <h1>VideoMAE CutMix Playground</h1>
          <p className="tagline">
            Fine-tune VideoMAE on your clips in this tab: CutMix off and on, side by side. Nothing leaves your
            machine.
          </p>
        </div>
      </div>
      <div className="header-actions">
        <button type="button" onClick={() => void copyLink()} data-testid="copy-link">
          {copied === 'copied'
            ? 'Link copied'
            : copied === 'failed'
              ? 'Copy from the address bar'
              : 'Copy link'}
        </button>
        <label className="inline-field">
          <span className="visually-hidden">Theme</span>
          <select
            value={theme}
            onChange={(e) => setViewSetting('theme', e.target.value as typeof theme)}
            aria-label="Theme"
            data-testid="theme"
          >
            {VIEW_SETTINGS_SCHEMA.theme.options.map((option) => (
              <option key={option} value={option}>
                {THEME_LABELS[option]}
              </option>
            ))}
          </select>
        </label>
        <BackendBadge />
      </div>
    </header>
  );
}
