import { isPresetSource, recipeFor } from '../../store/model-settings.ts';
import { useSettings } from '../../store/settings.ts';
import { presetById, type RunId } from '../../store/domain.ts';
import './runs.css';

/**
 * Which recipe a run uses and why: the model's own (from scratch for random weights, the write-up's for a
 * pretrained checkpoint), or another one the user chose, with a word when that choice does not fit the
 * weights.
 */
export function RecipeNote({ runId }: { runId: RunId }) {
  const preset = useSettings((s) => s.runs[runId].preset);
  const source = useSettings((s) => s.model.model);
  const applyRunPreset = useSettings((s) => s.applyRunPreset);
  const fromScratch = isPresetSource(source);
  const fits = recipeFor(source);
  const weights = fromScratch
    ? 'the model starts from random weights'
    : 'the model is a pretrained checkpoint';
  if (preset === fits) {
    return (
      <p className="muted small recipe-note" data-testid={`recipe-note-${runId}`} data-fits="true">
        The default here: {weights}.
      </p>
    );
  }
  const why =
    fromScratch && preset !== 'from-scratch'
      ? `${presetById(preset).name} was made for pretrained weights; ${weights}, and a few epochs of it barely move them.`
      : `Chosen by you; ${weights}, for which ${presetById(fits).name} is the default.`;
  return (
    <p className="small recipe-note" data-testid={`recipe-note-${runId}`} data-fits="false">
      {why}{' '}
      <button
        type="button"
        className="link"
        onClick={() => applyRunPreset(runId, fits)}
        data-testid={`use-recipe-${runId}`}
      >
        Use {presetById(fits).name}
      </button>
    </p>
  );
}
