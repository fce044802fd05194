package io.sparkrlhf.engine;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Stops a run that has stopped computing finite numbers before it commits them: steps that apply no
 * update (non-finite loss or gradients) more than {@code maxSkippedSteps} times in a row, an
 * evaluation that is not finite, parameters that are not finite when a checkpoint is about to be
 * written. Its messages name the newest committed checkpoint, the one to go back to.
 */
final class DivergenceGuard {
  private final String name;
  private final int maxSkippedSteps;
  private long skippedInARow;
  private Optional<CheckpointStore.Committed> lastCommitted = Optional.empty();

  DivergenceGuard(String name, int maxSkippedSteps) {
    this.name = name;
    this.maxSkippedSteps = maxSkippedSteps;
  }

  void committed(CheckpointStore.Committed checkpoint) {
    lastCommitted = Optional.of(checkpoint);
  }

  /** After step {@code step}: whether it applied any update. */
  void afterStep(long step, boolean applied) {
    skippedInARow = applied ? 0 : skippedInARow + 1;
    if (skippedInARow > maxSkippedSteps) {
      throw new TrainingDivergedException(String.format(Locale.ROOT, "%s: %d steps in a row (steps %d to %d) applied "
              + "no update because their loss or gradients were not finite, more than max-skipped-steps = %d allows; "
              + "the weights are not learning any more. %s", name, skippedInARow, step - skippedInARow + 1, step,
          maxSkippedSteps, lastGood()));
    }
  }

  void checkEvaluation(long step, BatchStats stats) {
    if (!Double.isFinite(stats.loss())) {
      throw new TrainingDivergedException(String.format(Locale.ROOT, "%s: the evaluation after step %d is not finite "
          + "(loss %s over %d examples): the model has diverged or its weights are corrupt. %s", name, step,
          stats.loss(), stats.examples(), lastGood()));
    }
  }

  /** Before a checkpoint of {@code values} after {@code step} is written. */
  void checkValues(long step, float[] values, TrainableLayout layout) {
    List<String> bad = layout.nonFinite(values);
    if (!bad.isEmpty()) {
      throw new TrainingDivergedException(String.format(Locale.ROOT, "%s: the parameters after step %d are not finite "
          + "in %s; they are not committed as a checkpoint. %s", name, step, bad, lastGood()));
    }
  }

  private String lastGood() {
    return lastCommitted.map(c -> "The newest committed checkpoint is " + c.path() + " (step " + c.step() + ").")
        .orElse("No checkpoint was committed.");
  }
}
