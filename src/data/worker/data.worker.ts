import { serve } from '../../util/worker-boundary.ts';
import { DataEngine } from './data-engine.ts';

serve(new DataEngine());
