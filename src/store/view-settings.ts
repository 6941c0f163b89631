/** How the page shows things (chart axis, smoothing, theme) and how the two runs share the device. */
import { enumField, numberField, type ValuesOf } from '../util/schema.ts';

export const X_AXES = ['step', 'epoch', 'time'] as const;
export type XAxisKind = (typeof X_AXES)[number];

export const VIEW_SETTINGS_SCHEMA = {
  /** Shared x-axis of every chart. */
  x: enumField(X_AXES, 'step'),
  /** EMA weight of the smoothed training curves (TensorBoard's slider); 0 is off. */
  smoothing: numberField(0.6, { min: 0, max: 0.99 }),
  /** Interleaved: A, B, A, B ... so both curves grow together; sequential: A then B. */
  schedule: enumField(['interleaved', 'sequential'], 'interleaved'),
  theme: enumField(['auto', 'light', 'dark'], 'auto'),
};

export type ViewSettings = ValuesOf<typeof VIEW_SETTINGS_SCHEMA>;
