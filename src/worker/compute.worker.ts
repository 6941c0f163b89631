import * as Comlink from 'comlink';
import { ComputeEngine } from './engine.ts';

Comlink.expose(new ComputeEngine());
