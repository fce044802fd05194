package io.sparkrlhf.jobs.train;

import io.sparkrlhf.engine.RunSettings;
import io.sparkrlhf.model.optim.LrSchedule;
import java.util.List;
import java.util.Locale;

/** The optimizer and LoRA settings every training section ({@code rlhf.sft}, ...) records in its checkpoints. */
public final class RecordedSettings {
  private RecordedSettings() {}

  /** AdamW and the schedule under {@code at} ("rlhf.sft."): changes are allowed and named. */
  public static RunSettings optimizer(RunSettings r, String at, double lr, LrSchedule.Kind schedule, long warmupSteps,
      double beta1, double beta2, double eps, double weightDecay, double maxGradNorm) {
    return r.tunable(at + "optimizer.lr", lr)
        .tunable(at + "optimizer.schedule", schedule.name().toLowerCase(Locale.ROOT))
        .tunable(at + "optimizer.warmup-steps", warmupSteps)
        .tunable(at + "optimizer.beta1", beta1)
        .tunable(at + "optimizer.beta2", beta2)
        .tunable(at + "optimizer.eps", eps)
        .tunable(at + "optimizer.weight-decay", weightDecay)
        .tunable(at + "optimizer.max-grad-norm", maxGradNorm);
  }

  /** The adapters under {@code at}: their shape and scale give the checkpoint its meaning; dropout may change. */
  public static RunSettings lora(RunSettings r, String at, int rank, double alpha, double dropout, List<String> targets) {
    return r.fixed(at + "lora.r", rank, "the checkpoint's adapters have the recorded rank")
        .fixed(at + "lora.alpha", alpha, "it scales the trained adapters by alpha / r: the same weights would make "
            + "another model")
        .fixed(at + "lora.target-modules", targets, "the checkpoint holds adapters for the recorded modules")
        .tunable(at + "lora.dropout", dropout);
  }
}
