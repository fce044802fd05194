package io.sparkrlhf.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkrlhf.model.optim.AdamW;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a --resume continues: the newest committed checkpoint that can be read. One that cannot
 * (a file altered or missing, a torn trainer_state.json) is skipped with a warning naming it, for
 * the one before it. A readable checkpoint of another data plan, or whose recorded settings differ
 * in one that changes what it means, is refused; one whose weights are not finite fails the run.
 */
final class CheckpointResume {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointResume.class);

  /** The checkpoint resumed from, its state, its trainable values and the step program's state (or null). */
  record Resumed(CheckpointStore.Committed checkpoint, TrainerState state, float[] values, JsonNode programState) {}

  private final String name;
  private final CheckpointStore store;
  private final TrainableLayout layout;
  private final BatchPlan plan;
  private final TrainerOptions options;

  CheckpointResume(String name, CheckpointStore store, TrainableLayout layout, BatchPlan plan, TrainerOptions options) {
    this.name = name;
    this.store = store;
    this.layout = layout;
    this.plan = plan;
    this.options = options;
  }

  /** Loads the newest readable checkpoint, restoring {@code adam}'s moments from it; empty when none is committed. */
  Optional<Resumed> load(AdamW adam) {
    List<CheckpointStore.Committed> committed = store.committed();
    List<String> unreadable = new ArrayList<>();
    for (int i = committed.size() - 1; i >= 0; i--) {
      CheckpointStore.Committed c = committed.get(i);
      CheckpointStore.Committed previous = i > 0 ? committed.get(i - 1) : null;
      Path local = StagingDirs.create("resume");
      try {
        TrainerState state;
        try {
          store.fetch(c, local);
          state = TrainerState.read(local);
        } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
          unreadable.add(skip(c, previous, e));
          continue;
        }
        checkCompatible(c, state);
        float[] values;
        JsonNode programState;
        try {
          values = TrainerState.readValues(local, layout);
          TrainerState.restoreOptimizer(local, adam);
          programState = TrainerState.readProgramState(local);
        } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
          unreadable.add(skip(c, previous, e));
          continue;
        }
        List<String> nonFinite = layout.nonFinite(values);
        if (!nonFinite.isEmpty()) {
          throw new TrainingDivergedException(name + ": checkpoint " + c.path() + " holds values that are not finite "
              + "in " + nonFinite + ": the run had diverged or the checkpoint is corrupt, so it is not resumed. "
              + (previous == null ? "Start over with --overwrite." : "Delete it to resume from " + previous.path()
              + " (step " + previous.step() + "), or start over with --overwrite."));
        }
        return Optional.of(new Resumed(c, state, values, programState));
      } finally {
        Trainer.deleteQuietly(local);
      }
    }
    if (!unreadable.isEmpty()) {
      throw new IllegalStateException(name + ": cannot resume: none of the " + committed.size() + " committed "
          + "checkpoints can be read: " + String.join("; ", unreadable) + ". Start over with --overwrite.");
    }
    return Optional.empty();
  }

  private String skip(CheckpointStore.Committed c, CheckpointStore.Committed previous, Exception e) {
    String reason = e.getMessage();
    LOG.warn("{}: checkpoint {} cannot be read ({}); {}", name, c.path(), reason, previous == null
        ? "no earlier committed checkpoint remains"
        : "falling back to the previous committed checkpoint, " + previous.path());
    return c.path() + ": " + reason;
  }

  private void checkCompatible(CheckpointStore.Committed c, TrainerState state) {
    if (state.seed() != options.seed() || state.datasetSize() != plan.datasetSize()
        || state.globalBatch() != options.globalBatch()) {
      throw new IllegalArgumentException("cannot resume from " + c.path() + ": it was trained with seed "
          + state.seed() + ", " + state.datasetSize() + " examples and global batch " + state.globalBatch()
          + "; this run has seed " + options.seed() + ", " + plan.datasetSize() + " examples and global batch "
          + options.globalBatch());
    }
    if (state.settings() == null) {
      return; // written before settings were recorded
    }
    RunSettings.Changes changes = options.settings().compare(state.settings());
    if (!changes.refused().isEmpty()) {
      throw new IllegalArgumentException("cannot resume from " + c.path() + " with these settings changed: "
          + RunSettings.describeRefused(changes.refused()) + ". Set them back to the run's values, or start a new run "
          + "(--overwrite, or another output)");
    }
    if (!changes.allowed().isEmpty()) {
      LOG.warn("{}: resuming from {} with changed settings: {}; the run continues with the new values, so it no "
          + "longer equals an uninterrupted run", name, c.path(), RunSettings.describeAllowed(changes.allowed()));
    }
  }
}
