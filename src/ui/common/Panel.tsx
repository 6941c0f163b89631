import type { ReactNode } from 'react';

interface PanelProps {
  title: string;
  /** Short line under the title that says what the panel is for. */
  subtitle?: string;
  actions?: ReactNode;
  children: ReactNode;
  id?: string;
}

export function Panel({ title, subtitle, actions, children, id }: PanelProps) {
  const headingId = id ? `${id}-heading` : undefined;
  return (
    <section className="panel" id={id} aria-labelledby={headingId}>
      <header className="panel-header">
        <div>
          <h2 id={headingId}>{title}</h2>
          {subtitle && <p className="panel-subtitle">{subtitle}</p>}
        </div>
        {actions && <div className="panel-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}
