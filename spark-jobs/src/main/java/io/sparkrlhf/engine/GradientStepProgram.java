package io.sparkrlhf.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/** One optimizer update per step over the step's global batch (SFT, reward modelling). */
public final class GradientStepProgram implements StepProgram {
  private final Objective<?> objective;
  private final StepRunner runner;

  public GradientStepProgram(Objective<?> objective, StepRunner runner) {
    this.objective = objective;
    this.runner = runner;
  }

  @Override
  public StepRunner.Initial initialize() {
    return runner.initialize();
  }

  @Override
  public BatchPlan plan() {
    return runner.plan();
  }

  @Override
  public boolean step(long step, float[] values, Optimizer optimizer, ObjectNode line) {
    long t0 = System.nanoTime();
    GradientSum sum = runner.gradients(step, optimizer.version(), values);
    long computed = System.nanoTime();
    BatchStats stats = sum.stats();
    Optimizer.Update update = optimizer.apply(sum, values, step);
    long updated = System.nanoTime();
    line.put("epoch", runner.plan().epochOf(step));
    line.put("loss", update.loss());
    if (objective.reportsAccuracy()) {
      line.put("accuracy", stats.accuracy());
    }
    objective.describe(stats, "", line);
    line.put("lr", update.lr());
    line.put("grad_norm", update.gradNorm());
    line.put("skipped", !update.applied());
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
    return !update.applied();
  }

  @Override
  public BatchStats evaluate(long step, long version, float[] values, ObjectNode line) {
    long t0 = System.nanoTime();
    BatchStats eval = runner.evaluate(version, values);
    if (eval == null) {
      return null;
    }
    line.put("eval_loss", eval.loss());
    if (objective.reportsAccuracy()) {
      line.put("eval_accuracy", eval.accuracy());
    } else {
      line.put("eval_perplexity", Math.exp(eval.loss()));
    }
    objective.describe(eval, "eval_", line);
    line.put("eval_examples", eval.examples());
    line.put("eval_s", (System.nanoTime() - t0) / 1e9);
    return eval;
  }

  @Override
  public String progress(ObjectNode l) {
    double stepSeconds = l.path("step_s").asDouble();
    return String.format(Locale.ROOT, "loss %.4f%s lr %.2e grad-norm %.3f | %.0f tok/s, step %.2f s (compute %.2f, "
            + "transfer %.2f, waiting for the replica %.2f, Spark overhead %.2f)", l.path("loss").asDouble(),
        objective.reportsAccuracy() ? String.format(Locale.ROOT, " acc %.3f", l.path("accuracy").asDouble()) : "",
        l.path("lr").asDouble(), l.path("grad_norm").asDouble(), l.path("tokens_per_s").asDouble(), stepSeconds,
        l.path("compute_s").asDouble(), l.path("transfer_s").asDouble(), l.path("replica_wait_s").asDouble(),
        l.path("overhead_s").asDouble());
  }

  @Override
  public String describeEvaluation(ObjectNode l) {
    double loss = l.path("eval_loss").asDouble();
    return String.format(Locale.ROOT, "loss %.4f%s over %d examples", loss, objective.reportsAccuracy()
        ? String.format(Locale.ROOT, ", accuracy %.4f", l.path("eval_accuracy").asDouble())
        : String.format(Locale.ROOT, ", perplexity %.4f", Math.exp(loss)), l.path("eval_examples").asLong());
  }

  @Override
  public void writeModel(Path dir, TrainableLayout layout, float[] values) throws IOException {
    objective.writeModel(dir, layout, values);
  }

  @Override
  public void close() {
    runner.close();
  }
}
