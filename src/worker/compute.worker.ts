import { serve } from '../util/worker-boundary.ts';
import './error-registry.ts';
import { ComputeEngine } from './engine.ts';

serve(new ComputeEngine());
