package io.sparkrlhf.engine;

import io.sparkrlhf.model.optim.AdamW;
import io.sparkrlhf.model.optim.GradientClipping;
import io.sparkrlhf.model.optim.LrSchedule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's update (MLlib's {@code Updater}): summed gradients → divide by the batch's weight →
 * skip with a warning if the loss or any gradient is not finite → clip by global norm → AdamW at
 * the schedule's rate → next parameter version. One per run; steps that make several updates (PPO's
 * minibatches) call {@link #apply} several times.
 */
public final class Optimizer {
  private static final Logger LOG = LoggerFactory.getLogger(Optimizer.class);

  private final String name;
  private final TrainableLayout layout;
  private final AdamW adam;
  private final LrSchedule schedule;
  private final double maxGradNorm;
  private long version;
  private long skipped;

  /** What one update did: whether it was applied, the rate, and the gradient's norm before clipping. */
  public record Update(boolean applied, double lr, double gradNorm, double loss) {}

  public Optimizer(String name, TrainableLayout layout, TrainerOptions options) {
    this.name = name;
    this.layout = layout;
    this.adam = new AdamW(layout.size(), options.beta1(), options.beta2(), options.eps(), options.weightDecay());
    this.schedule = options.lrSchedule();
    this.maxGradNorm = options.maxGradNorm();
  }

  /**
   * Updates {@code values} in place from {@code sum} at the rate of schedule step {@code lrStep}; a
   * non-finite batch leaves them as they are and counts as skipped.
   */
  public Update apply(GradientSum sum, float[] values, long lrStep) {
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
    double lr = schedule.at(lrStep);
    if (!finite) {
      skipped++;
      LOG.warn("{}: update at step {} skipped: loss {}, non-finite gradients in {} (the parameters stay at version {}; "
          + "{} updates skipped so far)", name, lrStep, loss, grad == null ? "-" : layout.nonFinite(grad), version,
          skipped);
      return new Update(false, lr, Double.NaN, loss);
    }
    double norm = maxGradNorm > 0 ? GradientClipping.clip(grad, maxGradNorm) : GradientClipping.norm(grad);
    adam.step(values, grad, lr);
    version++;
    return new Update(true, lr, norm, loss);
  }

  /** The version of the values after the updates applied so far. */
  public long version() {
    return version;
  }

  public long skipped() {
    return skipped;
  }

  /** Counts an update a step chose not to apply (PPO's ratio threshold) among the skipped ones. */
  public void countSkipped() {
    skipped++;
  }

  AdamW adam() {
    return adam;
  }

  void restore(long version, long skipped) {
    this.version = version;
    this.skipped = skipped;
  }
}
