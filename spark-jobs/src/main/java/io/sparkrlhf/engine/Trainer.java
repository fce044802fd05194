package io.sparkrlhf.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * The driver's run around the steps: resumes from the newest readable committed checkpoint
 * (parameters, optimizer, the step program's own state, the evaluations so far), runs each step
 * through its {@link StepProgram} (which updates the parameters through the {@link Optimizer}),
 * evaluates, logs progress, writes metrics and checkpoints as {@link TrainerOptions} say, and fails
 * (with {@link TrainingDivergedException}) rather than commit anything that is not finite.
 */
public final class Trainer {
  private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

  private final String name;
  private final String runId;
  private final String output;
  private final Configuration conf;
  private final StepProgram program;
  private final TrainerOptions options;
  private Hooks hooks = Hooks.NONE;

  /** Test seams: points where a test stands in for a crash. */
  public interface Hooks {
    Hooks NONE = step -> { };

    /** Right after the checkpoint of {@code step} was committed. */
    void checkpointCommitted(long step);
  }

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
   * One optimizer update per step from {@code runner} (SFT, reward modelling).
   *
   * @param output where checkpoints, metrics.jsonl and plots go (any Hadoop filesystem), or null for
   *     none (tests, benchmarks)
   */
  public Trainer(String name, String runId, String output, Configuration conf, Objective<?> objective, StepRunner runner,
      TrainerOptions options) {
    this(name, runId, output, conf, new GradientStepProgram(objective, runner), options);
  }

  /** Steps as {@code program} defines them (PPO: a rollout, then several updates). */
  public Trainer(String name, String runId, String output, Configuration conf, StepProgram program,
      TrainerOptions options) {
    this.name = name;
    this.runId = runId;
    this.output = output;
    this.conf = conf;
    this.program = program;
    this.options = options;
  }

  public Trainer withHooks(Hooks hooks) {
    this.hooks = hooks;
    return this;
  }

  public Result run() {
    if (output != null) {
      StagingDirs.removeStale();
    }
    StepRunner.Initial initial = program.initialize();
    TrainableLayout layout = initial.layout();
    float[] values = initial.values().clone();
    Optimizer optimizer = new Optimizer(name, layout, options);
    BatchPlan plan = program.plan();
    CheckpointStore store = output == null ? null : new CheckpointStore(output, conf, options.keepCheckpoints());
    MetricsLog metrics = output == null ? new MetricsLog("unused", conf) : new MetricsLog(output, conf);
    DivergenceGuard guard = new DivergenceGuard(name, options.maxSkippedSteps());
    List<Evaluation> evaluations = new ArrayList<>();
    long step = 0;
    if (options.resume() && store != null) {
      Optional<CheckpointResume.Resumed> resumed =
          new CheckpointResume(name, store, layout, plan, options).load(optimizer.adam());
      if (resumed.isPresent()) {
        CheckpointResume.Resumed r = resumed.get();
        values = r.values();
        program.restore(r.programState());
        step = r.state().step();
        optimizer.restore(r.state().version(), r.state().skippedSteps());
        evaluations.addAll(r.state().evaluations());
        guard.committed(r.checkpoint());
        metrics.loadUpTo(step);
        LOG.info("{}: resuming at step {} of {} from {}", name, step, options.maxSteps(), r.checkpoint().path());
      } else {
        LOG.warn("{}: --resume found no committed checkpoint under {}; starting at step 0", name, output);
      }
    }
    LOG.info("{}: {} trainable values in {} tensors; {} examples, global batch {}, micro-batch {}, {} steps/epoch, "
        + "{} steps", name, values.length, layout.names().size(), plan.datasetSize(), options.globalBatch(),
        options.microBatch(), plan.stepsPerEpoch(), options.maxSteps());

    Optional<CheckpointStore.Committed> lastCheckpoint = Optional.empty();
    long startStep = step;
    long runStart = System.nanoTime();
    boolean evaluatedAtCurrent = false;
    try {
      if (step == 0 && options.evalEvery() > 0) {
        evaluate(0, optimizer.version(), values, metrics, guard).ifPresent(evaluations::add); // the curve's baseline
      }
      while (step < options.maxSteps() && (options.stopAfter() < 0 || step - startStep < options.stopAfter())) {
        ObjectNode line = metrics.newLine("train", step + 1);
        JobLabels.set(runId, name + " step " + (step + 1) + "/" + options.maxSteps());
        long version = optimizer.version();
        program.step(step, values, optimizer, line);
        step++;
        evaluatedAtCurrent = false;
        metrics.add(line);
        guard.afterStep(step, optimizer.version() != version);
        if (step % options.logEvery() == 0 || step == options.maxSteps()) {
          logProgress(step, startStep, runStart, line);
        }
        if (options.evalEvery() > 0 && step % options.evalEvery() == 0) {
          evaluate(step, optimizer.version(), values, metrics, guard).ifPresent(evaluations::add);
          evaluatedAtCurrent = true;
        }
        if (store != null && options.checkpointEvery() > 0 && step % options.checkpointEvery() == 0
            && step < options.maxSteps()) {
          lastCheckpoint = Optional.of(checkpoint(store, metrics, guard, layout, values, optimizer, step, evaluations));
        } else if (output != null && step % 10 == 0) {
          metrics.flush();
        }
      }
      if (step >= options.maxSteps() && !evaluatedAtCurrent) {
        evaluate(step, optimizer.version(), values, metrics, guard).ifPresent(evaluations::add);
      }
      if (store != null && (lastCheckpoint.isEmpty() || lastCheckpoint.get().step() != step)) {
        lastCheckpoint = Optional.of(checkpoint(store, metrics, guard, layout, values, optimizer, step, evaluations));
      }
    } catch (TrainingDivergedException e) {
      if (output != null) {
        metrics.flush(); // the rows that show how it went wrong; a resume drops those past its checkpoint
      }
      throw e;
    }
    boolean finished = step >= options.maxSteps();
    if (output != null) {
      metrics.flush();
      writePlots(metrics);
    }
    if (!finished) {
      LOG.info("{}: stopped after step {} of {} as asked; continue with --resume", name, step, options.maxSteps());
    }
    return new Result(layout, values, step, optimizer.skipped(), evaluations, lastCheckpoint, finished, metrics.lines());
  }

  private Optional<Evaluation> evaluate(long step, long version, float[] values, MetricsLog metrics,
      DivergenceGuard guard) {
    ObjectNode line = metrics.newLine("eval", step);
    JobLabels.set(runId, name + " eval after step " + step);
    BatchStats eval = program.evaluate(step, version, values, line);
    if (eval == null) {
      return Optional.empty();
    }
    metrics.add(line);
    guard.checkEvaluation(step, eval);
    LOG.info("{}: eval after step {}: {}", name, step, program.describeEvaluation(line));
    return Optional.of(new Evaluation(step, eval));
  }

  /**
   * Stages and commits the checkpoint of {@code step}. metrics.jsonl is written first: rows of
   * steps past the newest checkpoint are dropped on resume, while rows missing at or before it
   * would be lost for good.
   */
  private CheckpointStore.Committed checkpoint(CheckpointStore store, MetricsLog metrics, DivergenceGuard guard,
      TrainableLayout layout, float[] values, Optimizer optimizer, long step, List<Evaluation> evaluations) {
    guard.checkValues(step, values, layout);
    Path staged = StagingDirs.create("checkpoint");
    try {
      program.writeModel(staged, layout, values);
      BatchPlan plan = program.plan();
      new TrainerState(step, optimizer.version(), optimizer.skipped(), options.seed(), plan.datasetSize(),
          options.globalBatch(), evaluations, options.settings().toJson())
          .write(staged, optimizer.adam(), runId, program.state());
      metrics.flush();
      CheckpointStore.Committed c = store.commit(step, staged);
      hooks.checkpointCommitted(step);
      guard.committed(c);
      return c;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot stage the checkpoint of step " + step + ": " + e.getMessage(), e);
    } finally {
      deleteQuietly(staged);
    }
  }

  private void writePlots(MetricsLog metrics) {
    Path local = StagingDirs.create("plots");
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

  private void logProgress(long step, long startStep, long runStart, ObjectNode line) {
    double elapsed = (System.nanoTime() - runStart) / 1e9;
    double perStep = elapsed / (step - startStep);
    long eta = Math.round(perStep * (options.maxSteps() - step));
    LOG.info(String.format(Locale.ROOT, "%s step %d/%d %s | ETA %dm%02ds", name, step, options.maxSteps(),
        program.progress(line), eta / 60, eta % 60));
  }

  static void deleteQuietly(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      LOG.debug("could not remove {}: {}", dir, e.toString());
    }
  }
}
