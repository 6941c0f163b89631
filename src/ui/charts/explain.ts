/** The few sentences beside the charts that say what the comparison shows. */
import { diffRunConfigs, RUN_CONFIG_LABELS, type RunConfig } from '../../train/run-config.ts';

export function explainComparison(a: RunConfig, b: RunConfig): string[] {
  const diff = diffRunConfigs(a, b);
  if (diff.length === 0) {
    return ['A and B have the same settings and seed: their curves should lie on top of each other.'];
  }
  const lines: string[] = [];
  const keys = diff.map((d) => d.key);
  if (keys.includes('cutmix')) {
    const mixed = b.cutmix ? 'B' : 'A';
    lines.push(
      `${mixed} trains with CutMix: each clip gets a box from another clip and a label mixed by area. ` +
        'Both runs start from the same weights and see the same clips in the same order.',
      'Mixing augmentations usually need longer training to pay off; over a couple of epochs CutMix tends ' +
        'to slow convergence.',
      `${mixed}'s training accuracy is noisier because a mixed clip is scored against its dominant label. ` +
        'Validation never mixes, so compare the validation curves.',
    );
  }
  const others = diff.filter((d) => d.key !== 'cutmix').map((d) => RUN_CONFIG_LABELS[d.key].toLowerCase());
  if (others.length > 0) {
    lines.push(
      `The runs also differ in ${others.join(', ')}, so a gap between the curves is not CutMix's alone.`,
    );
  }
  return lines;
}
