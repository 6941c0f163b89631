/**
 * Labelled form controls for settings. Numbers are typed as text and committed only when they parse under
 * the setting's own rules (the URL's rules), so a half-typed "0.000" never reaches the store; an invalid
 * entry is marked and explained instead.
 */
import { useId, useState, type ReactNode } from 'react';
import './controls.css';

interface FieldFrameProps {
  label: string;
  htmlFor: string;
  hint?: ReactNode;
  /** Highlighted as different from the other run. */
  differs?: boolean;
  /** What the other run has, shown when they differ. */
  other?: string;
  error?: string | null;
  testId?: string;
  children: ReactNode;
}

export function FieldFrame({
  label,
  htmlFor,
  hint,
  differs,
  other,
  error,
  testId,
  children,
}: FieldFrameProps) {
  return (
    <div
      className={`setting${differs ? ' differs' : ''}`}
      data-testid={testId}
      data-differs={differs ? 'true' : 'false'}
    >
      <label htmlFor={htmlFor} className="setting-label">
        {label}
        {differs && (
          <span
            className="differs-mark"
            title={other ? `The other run: ${other}` : 'Differs from the other run'}
          >
            {other ? `≠ ${other}` : '≠'}
          </span>
        )}
      </label>
      {children}
      {error ? (
        <span className="setting-error" role="alert">
          {error}
        </span>
      ) : (
        hint && <span className="setting-hint">{hint}</span>
      )}
    </div>
  );
}

interface NumberInputProps {
  label: string;
  value: number;
  /** The setting's parser: undefined for text that is not a valid value. */
  parse(text: string): number | undefined;
  onCommit(value: number): void;
  format?(value: number): string;
  hint?: ReactNode;
  differs?: boolean;
  other?: string;
  disabled?: boolean;
  testId?: string;
  /** Explains the valid range when the text does not parse. */
  invalidMessage?: string;
}

export function NumberInput({
  label,
  value,
  parse,
  onCommit,
  format = String,
  hint,
  differs,
  other,
  disabled,
  testId,
  invalidMessage = 'Not a valid value',
}: NumberInputProps) {
  const id = useId();
  const [draft, setDraft] = useState(() => format(value));
  const [shown, setShown] = useState(value);
  // The value changed elsewhere (preset, link, the other run): show it, unless the draft already means it.
  if (!Object.is(value, shown)) {
    setShown(value);
    if (!Object.is(parse(draft), value)) setDraft(format(value));
  }
  const invalid = parse(draft) === undefined;
  return (
    <FieldFrame
      label={label}
      htmlFor={id}
      hint={hint}
      differs={differs}
      other={other}
      error={invalid ? invalidMessage : null}
      testId={testId}
    >
      <input
        id={id}
        type="text"
        inputMode="decimal"
        spellCheck={false}
        autoComplete="off"
        value={draft}
        disabled={disabled}
        aria-invalid={invalid}
        onChange={(e) => {
          setDraft(e.target.value);
          const parsed = parse(e.target.value);
          if (parsed !== undefined && !Object.is(parsed, value)) onCommit(parsed);
        }}
        onBlur={() => {
          if (invalid) setDraft(format(value));
        }}
      />
    </FieldFrame>
  );
}

interface SelectInputProps<T extends string> {
  label: string;
  value: T;
  options: readonly T[];
  optionLabels?: Partial<Record<T, string>>;
  onChange(value: T): void;
  hint?: ReactNode;
  differs?: boolean;
  other?: string;
  disabled?: boolean;
  testId?: string;
}

export function SelectInput<T extends string>({
  label,
  value,
  options,
  optionLabels,
  onChange,
  hint,
  differs,
  other,
  disabled,
  testId,
}: SelectInputProps<T>) {
  const id = useId();
  return (
    <FieldFrame label={label} htmlFor={id} hint={hint} differs={differs} other={other} testId={testId}>
      <select id={id} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value as T)}>
        {options.map((option) => (
          <option key={option} value={option}>
            {optionLabels?.[option] ?? option}
          </option>
        ))}
      </select>
    </FieldFrame>
  );
}

interface SwitchInputProps {
  label: string;
  checked: boolean;
  onChange(checked: boolean): void;
  hint?: ReactNode;
  differs?: boolean;
  other?: string;
  disabled?: boolean;
  testId?: string;
}

/** A checkbox drawn as a switch: still a native checkbox for keyboards and screen readers. */
export function SwitchInput({
  label,
  checked,
  onChange,
  hint,
  differs,
  other,
  disabled,
  testId,
}: SwitchInputProps) {
  const id = useId();
  return (
    <FieldFrame label={label} htmlFor={id} hint={hint} differs={differs} other={other} testId={testId}>
      <span className="switch">
        <input
          id={id}
          type="checkbox"
          role="switch"
          checked={checked}
          disabled={disabled}
          onChange={(e) => onChange(e.target.checked)}
        />
        <span className="switch-text" aria-hidden="true">
          {checked ? 'On' : 'Off'}
        </span>
      </span>
    </FieldFrame>
  );
}

interface TextInputProps {
  label: string;
  value: string;
  onChange(value: string): void;
  placeholder?: string;
  hint?: ReactNode;
  disabled?: boolean;
  testId?: string;
}

export function TextInput({ label, value, onChange, placeholder, hint, disabled, testId }: TextInputProps) {
  const id = useId();
  return (
    <FieldFrame label={label} htmlFor={id} hint={hint} testId={testId}>
      <input
        id={id}
        type="text"
        spellCheck={false}
        autoComplete="off"
        value={value}
        placeholder={placeholder}
        disabled={disabled}
        onChange={(e) => onChange(e.target.value)}
      />
    </FieldFrame>
  );
}

interface SegmentedProps<T extends string> {
  /** The group's accessible name. */
  label: string;
  value: T;
  options: readonly T[];
  optionLabels?: Partial<Record<T, string>>;
  onChange(value: T): void;
  disabled?: boolean;
  testId?: string;
}

/** Radio buttons drawn as a segmented control (arrow keys move between options, as radios do). */
export function Segmented<T extends string>({
  label,
  value,
  options,
  optionLabels,
  onChange,
  disabled,
  testId,
}: SegmentedProps<T>) {
  const name = useId();
  return (
    <fieldset className="segmented" data-testid={testId} disabled={disabled}>
      <legend className="visually-hidden">{label}</legend>
      {options.map((option) => (
        <label key={option} className={option === value ? 'checked' : undefined}>
          <input
            type="radio"
            name={name}
            value={option}
            checked={option === value}
            onChange={() => onChange(option)}
          />
          <span>{optionLabels?.[option] ?? option}</span>
        </label>
      ))}
    </fieldset>
  );
}
