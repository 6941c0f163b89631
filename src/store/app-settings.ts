/** The settings that configure the whole app (not one run); each lives in the URL under its key. */
import { BACKEND_PREFERENCES } from '../worker/index.ts';
import { enumField, type ValuesOf } from '../util/schema.ts';

export const APP_SETTINGS_SCHEMA = {
  backend: enumField(BACKEND_PREFERENCES, 'auto'),
};

export type AppSettings = ValuesOf<typeof APP_SETTINGS_SCHEMA>;
