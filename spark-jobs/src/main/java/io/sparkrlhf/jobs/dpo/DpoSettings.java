package io.sparkrlhf.jobs.dpo;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.sparkrlhf.model.rl.DpoLosses;

/** The DPO-only keys of {@code rlhf.dpo} (the training keys are {@link io.sparkrlhf.jobs.train.TrainingSettings}'). */
public record DpoSettings(DpoLoss loss, boolean precomputeRefLogps, DpoTruncation truncation) {
  public static DpoSettings from(Config root) {
    Config c = root.getConfig("rlhf.dpo");
    try {
      return new DpoSettings(new DpoLoss(DpoLosses.Kind.parse(c.getString("loss-type")), c.getDouble("beta"),
          c.getDouble("label-smoothing")), c.getBoolean("precompute-ref-logps"),
          new DpoTruncation(c.getInt("max-length"), c.getInt("max-prompt-length")));
    } catch (ConfigException e) {
      throw new IllegalArgumentException("rlhf.dpo: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      String m = e.getMessage();
      throw new IllegalArgumentException(m.startsWith("rlhf.dpo") ? m : "rlhf.dpo: " + m, e);
    }
  }
}
