package io.sparkrlhf.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkrlhf.model.optim.AdamW;
import io.sparkrlhf.model.optim.GradientClipping;
import io.sparkrlhf.model.optim.LrSchedule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's loop: for each step, summed gradients from the {@link StepRunner}; average over the
 * batch's weight; skip the step (with a warning) if the loss or any gradient is not finite; clip by
 * global norm; AdamW at the schedule's rate; publish the next version. Evaluates, logs, writes
 * metrics and checkpoints as {@link TrainerOptions} say, and resumes from the newest committed
 * checkpoint.
 */
public final class Trainer {
  private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

  private final String name;
  private final String runId;
  private final String output;
  private final Configuration conf;
  private final Objective<?> objective;
  private final StepRunner runner;
  private final TrainerOptions options;

  /** An evaluation: the step it followed and its statistics. */
  public record Evaluation(long step, BatchStats stats) {}

  /** The trained values, and what happened. {@code finished}: false when stopped early by stopAfter. */
  public record Result(TrainableLayout layout, float[] values, long step, long skippedSteps, List<Evaluation> evaluations,
      Optional<CheckpointStore.Committed> lastCheckpoint, boolean finished, List<ObjectNode> metrics) {
    public Optional<Evaluation> lastEvaluation() {
      return evaluations.isEmpty() ? Optional.empty() : Optional.of(evaluations.get(evaluations.size() - 1));
    }
  }

  /**
   * @param output where checkpoints, metrics.jsonl and plots go (any Hadoop filesystem), or null for
   *     none (tests, benchmarks)
   */
  public Trainer(String name, String runId, String output, Configuration conf, Objective<?> objective, StepRunner runner,
      TrainerOptions options) {
    this.name = name;
    this.runId = runId;
    this.output = output;
    this.conf = conf;
    this.objective = objective;
    this.runner = runner;
    this.options = options;
  }

  public Result run() {
    StepRunner.Initial initial = runner.initialize();
    TrainableLayout layout = initial.layout();
    float[] values = initial.values().clone();
    AdamW adam = new AdamW(values.length, options.beta1(), options.beta2(), options.eps(), options.weightDecay());
    LrSchedule schedule = options.lrSchedule();
    BatchPlan plan = runner.plan();
    CheckpointStore store = output == null ? null : new CheckpointStore(output, conf, options.keepCheckpoints());
    MetricsLog metrics = output == null ? new MetricsLog("unused", conf) : new MetricsLog(output, conf);
    long step = 0;
    long version = 0;
    long skipped = 0;
    if (options.resume() && store != null) {
      Optional<CheckpointStore.Committed> latest = store.latest();
      if (latest.isPresent()) {
        Path local = tempDir("rlhf-resume-");
        try {
          store.fetch(latest.get(), local);
          TrainerState state = TrainerState.read(local);
          if (state.seed() != options.seed() || state.datasetSize() != plan.datasetSize()
              || state.globalBatch() != options.globalBatch()) {
            throw new IllegalArgumentException("cannot resume from " + latest.get().path() + ": it was trained with seed "
                + state.seed() + ", " + state.datasetSize() + " examples and global batch " + state.globalBatch()
                + "; this run has seed " + options.seed() + ", " + plan.datasetSize() + " examples and global batch "
                + options.globalBatch());
          }
          values = TrainerState.readValues(local, layout);
          TrainerState.restoreOptimizer(local, adam);
          step = state.step();
          version = state.version();
          skipped = state.skippedSteps();
        } catch (IOException e) {
          throw new UncheckedIOException("cannot resume from " + latest.get().path() + ": " + e.getMessage(), e);
        } finally {
          deleteQuietly(local);
        }
        metrics.loadUpTo(step);
        LOG.info("{}: resuming at step {} of {} from {}", name, step, options.maxSteps(), latest.get().path());
      } else {
        LOG.warn("{}: --resume found no committed checkpoint under {}; starting at step 0", name, output);
      }
    }
    LOG.info("{}: {} trainable values in {} tensors; {} examples, global batch {}, micro-batch {}, {} steps/epoch, "
        + "{} steps", name, values.length, layout.names().size(), plan.datasetSize(), options.globalBatch(),
        options.microBatch(), plan.stepsPerEpoch(), options.maxSteps());

    List<Evaluation> evaluations = new ArrayList<>();
    Optional<CheckpointStore.Committed> lastCheckpoint = Optional.empty();
    long startStep = step;
    long runStart = System.nanoTime();
    boolean evaluatedAtCurrent = false;
    if (step == 0 && options.evalEvery() > 0) {
      evaluate(0, version, values, metrics).ifPresent(evaluations::add); // the baseline the curve starts from
    }
    while (step < options.maxSteps() && (options.stopAfter() < 0 || step - startStep < options.stopAfter())) {
      long t0 = System.nanoTime();
      GradientSum sum = runner.gradients(step, version, values);
      long computed = System.nanoTime();
      BatchStats stats = sum.stats();
      float[] grad = sum.gradient();
      double loss = stats.loss();
      boolean finite = grad != null && stats.weight() > 0 && Double.isFinite(loss);
      if (finite) {
        double scale = 1.0 / stats.weight();
        for (int i = 0; i < grad.length; i++) {
          grad[i] = (float) (grad[i] * scale);
        }
        finite = GradientClipping.allFinite(grad);
      }
      double lr = schedule.at(step);
      double norm = Double.NaN;
      if (finite) {
        norm = options.maxGradNorm() > 0 ? GradientClipping.clip(grad, options.maxGradNorm()) : GradientClipping.norm(grad);
        adam.step(values, grad, lr);
        version++;
      } else {
        skipped++;
        LOG.warn("{}: step {} skipped: loss {}, non-finite gradients in {} (the parameters stay at version {}; {} "
            + "steps skipped so far)", name, step, loss, grad == null ? "-" : layout.nonFinite(grad), version, skipped);
      }
      long updated = System.nanoTime();
      step++;
      evaluatedAtCurrent = false;

      ObjectNode line = metrics.newLine("train", step);
      line.put("epoch", plan.epochOf(step - 1));
      line.put("loss", loss);
      if (objective.reportsAccuracy()) {
        line.put("accuracy", stats.accuracy());
      }
      line.put("lr", lr);
      line.put("grad_norm", norm);
      line.put("skipped", !finite);
      line.put("examples", stats.examples());
      line.put("tokens", stats.tokens());
      double stepSeconds = (updated - t0) / 1e9;
      line.put("step_s", stepSeconds);
      line.put("tokens_per_s", stats.tokens() / stepSeconds);
      line.put("compute_s", sum.maxComputeNanos / 1e9);
      line.put("transfer_s", sum.maxTransferNanos / 1e9);
      line.put("replica_wait_s", sum.maxWaitNanos / 1e9);
      line.put("overhead_s", Math.max(0, (computed - t0) - sum.maxTaskNanos) / 1e9);
      line.put("update_s", (updated - computed) / 1e9);
      line.put("bytes_in", sum.bytesIn);
      line.put("bytes_out", sum.bytesOut);
      line.put("tasks", sum.tasks);
      line.put("executors", sum.executors.size());
      metrics.add(line);
      if (step % options.logEvery() == 0 || step == options.maxSteps()) {
        logProgress(step, startStep, runStart, loss, stats, lr, norm, sum, stepSeconds);
      }

      if (options.evalEvery() > 0 && step % options.evalEvery() == 0) {
        evaluate(step, version, values, metrics).ifPresent(evaluations::add);
        evaluatedAtCurrent = true;
      }
      if (store != null && options.checkpointEvery() > 0 && step % options.checkpointEvery() == 0
          && step < options.maxSteps()) {
        lastCheckpoint = Optional.of(checkpoint(store, metrics, layout, values, adam, step, version, skipped));
      } else if (output != null && step % 10 == 0) {
        metrics.flush();
      }
    }
    boolean finished = step >= options.maxSteps();
    if (finished && !evaluatedAtCurrent) {
      evaluate(step, version, values, metrics).ifPresent(evaluations::add);
    }
    if (store != null && (lastCheckpoint.isEmpty() || lastCheckpoint.get().step() != step)) {
      lastCheckpoint = Optional.of(checkpoint(store, metrics, layout, values, adam, step, version, skipped));
    }
    if (output != null) {
      metrics.flush();
      writePlots(metrics);
    }
    if (!finished) {
      LOG.info("{}: stopped after step {} of {} as asked; continue with --resume", name, step, options.maxSteps());
    }
    return new Result(layout, values, step, skipped, evaluations, lastCheckpoint, finished, metrics.lines());
  }

  private Optional<Evaluation> evaluate(long step, long version, float[] values, MetricsLog metrics) {
    long t0 = System.nanoTime();
    BatchStats eval = runner.evaluate(version, values);
    if (eval == null) {
      return Optional.empty();
    }
    ObjectNode line = metrics.newLine("eval", step);
    line.put("eval_loss", eval.loss());
    if (objective.reportsAccuracy()) {
      line.put("eval_accuracy", eval.accuracy());
    } else {
      line.put("eval_perplexity", Math.exp(eval.loss()));
    }
    line.put("eval_examples", eval.examples());
    line.put("eval_s", (System.nanoTime() - t0) / 1e9);
    metrics.add(line);
    LOG.info("{}: eval after step {}: loss {}{} over {} examples", name, step, fmt(eval.loss()),
        objective.reportsAccuracy() ? ", accuracy " + fmt(eval.accuracy()) : ", perplexity " + fmt(Math.exp(eval.loss())),
        eval.examples());
    return Optional.of(new Evaluation(step, eval));
  }

  private CheckpointStore.Committed checkpoint(CheckpointStore store, MetricsLog metrics, TrainableLayout layout,
      float[] values, AdamW adam, long step, long version, long skipped) {
    Path staged = tempDir("rlhf-checkpoint-");
    try {
      objective.writeModel(staged, layout, values);
      BatchPlan plan = runner.plan();
      new TrainerState(step, version, skipped, options.seed(), plan.datasetSize(), options.globalBatch())
          .write(staged, adam, runId);
      CheckpointStore.Committed c = store.commit(step, staged);
      metrics.flush();
      return c;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot stage the checkpoint of step " + step + ": " + e.getMessage(), e);
    } finally {
      deleteQuietly(staged);
    }
  }

  private void writePlots(MetricsLog metrics) {
    Path local = tempDir("rlhf-plots-");
    try {
      List<Path> files = TrainingPlots.write(metrics.lines(), local);
      org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(output, "plots");
      FileSystem fs = target.getFileSystem(conf);
      for (Path f : files) {
        fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(f.toUri()),
            new org.apache.hadoop.fs.Path(target, f.getFileName().toString()));
      }
      LOG.info("{}: {} plots in {}", name, files.size(), target);
    } catch (IOException | RuntimeException e) {
      LOG.warn("{}: could not draw the plots: {}", name, e.toString()); // the model and metrics are what matter
    } finally {
      deleteQuietly(local);
    }
  }

  private void logProgress(long step, long startStep, long runStart, double loss, BatchStats stats, double lr,
      double norm, GradientSum sum, double stepSeconds) {
    double elapsed = (System.nanoTime() - runStart) / 1e9;
    double perStep = elapsed / (step - startStep);
    long eta = Math.round(perStep * (options.maxSteps() - step));
    LOG.info(String.format(Locale.ROOT,
        "%s step %d/%d loss %.4f%s lr %.2e grad-norm %.3f | %.0f tok/s, step %.2f s (compute %.2f, transfer %.2f, "
            + "waiting for the replica %.2f, Spark overhead %.2f) | ETA %dm%02ds",
        name, step, options.maxSteps(), loss, objective.reportsAccuracy() ? String.format(Locale.ROOT, " acc %.3f",
            stats.accuracy()) : "", lr, norm, stats.tokens() / stepSeconds, stepSeconds, sum.maxComputeNanos / 1e9,
        sum.maxTransferNanos / 1e9, sum.maxWaitNanos / 1e9, Math.max(0, stepSeconds - sum.maxTaskNanos / 1e9),
        eta / 60, eta % 60));
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.4f", v);
  }

  private static Path tempDir(String prefix) {
    try {
      return Files.createTempDirectory(prefix);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory: " + e.getMessage(), e);
    }
  }

  static void deleteQuietly(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      LOG.debug("could not remove {}: {}", dir, e.toString());
    }
  }
}
