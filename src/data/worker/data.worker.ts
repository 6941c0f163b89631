import * as Comlink from 'comlink';
import { DataEngine } from './data-engine.ts';

Comlink.expose(new DataEngine());
