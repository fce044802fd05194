package io.sparkrlhf.engine;

import io.sparkrlhf.model.optim.LrSchedule;

/**
 * How the driver trains: steps, batch sizes, AdamW, schedule, clipping, evaluation and checkpoint
 * cadence (0 = never, except at the end), and {@code stopAfter}: checkpoint and stop after this many
 * steps of this run (a time-boxed slot, to be continued with --resume; −1 = run to the end).
 * {@code maxSkippedSteps}: the run fails when more steps than this in a row apply no update (their
 * loss or gradients were not finite). {@code settings}: what the run records for --resume to compare.
 */
public record TrainerOptions(
    long maxSteps,
    int globalBatch,
    int microBatch,
    long seed,
    double lr,
    LrSchedule.Kind schedule,
    long warmupSteps,
    double beta1,
    double beta2,
    double eps,
    double weightDecay,
    double maxGradNorm,
    long evalEvery,
    long checkpointEvery,
    int keepCheckpoints,
    long logEvery,
    boolean resume,
    long stopAfter,
    int maxSkippedSteps,
    RunSettings settings) {
  /** The default of max-skipped-steps (the reference configuration's). */
  public static final int DEFAULT_MAX_SKIPPED_STEPS = 10;


  public TrainerOptions {
    if (maxSteps < 1) {
      throw new IllegalArgumentException("max-steps must be >= 1, found " + maxSteps);
    }
    Engines.requirePositive(globalBatch, "global batch size");
    Engines.requirePositive(microBatch, "micro batch size");
    if (maxGradNorm < 0 || evalEvery < 0 || checkpointEvery < 0 || logEvery < 1) {
      throw new IllegalArgumentException("max-grad-norm, eval-every and checkpoint-every must be >= 0 and log-every >= 1");
    }
    Engines.requirePositive(keepCheckpoints, "keep-checkpoints");
    if (maxSkippedSteps < 0) {
      throw new IllegalArgumentException("max-skipped-steps must be >= 0, found " + maxSkippedSteps);
    }
    settings = settings == null ? RunSettings.NONE : settings;
  }

  public LrSchedule lrSchedule() {
    return new LrSchedule(schedule, lr, warmupSteps, maxSteps);
  }

  public TrainerOptions withMaxSteps(long steps) {
    return new TrainerOptions(steps, globalBatch, microBatch, seed, lr, schedule, warmupSteps, beta1, beta2, eps,
        weightDecay, maxGradNorm, evalEvery, checkpointEvery, keepCheckpoints, logEvery, resume, stopAfter,
        maxSkippedSteps, settings);
  }

  public TrainerOptions withSettings(RunSettings recorded) {
    return new TrainerOptions(maxSteps, globalBatch, microBatch, seed, lr, schedule, warmupSteps, beta1, beta2, eps,
        weightDecay, maxGradNorm, evalEvery, checkpointEvery, keepCheckpoints, logEvery, resume, stopAfter,
        maxSkippedSteps, recorded);
  }

  /** Defaults for tests and benchmarks: constant lr, no clipping, no eval or checkpoints. */
  public static TrainerOptions simple(long steps, int globalBatch, int microBatch, double lr, long seed) {
    return new TrainerOptions(steps, globalBatch, microBatch, seed, lr, LrSchedule.Kind.CONSTANT, 0, 0.9, 0.999, 1e-8,
        0.0, 0, 0, 0, 1, 1, false, -1, DEFAULT_MAX_SKIPPED_STEPS, RunSettings.NONE);
  }
}
