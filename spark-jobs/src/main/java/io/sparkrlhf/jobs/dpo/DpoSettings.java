package io.sparkrlhf.jobs.dpo;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.sparkrlhf.engine.RunSettings;
import io.sparkrlhf.model.rl.DpoLosses;
import java.util.Locale;

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

  /**
   * {@code r} and the DPO keys, for --resume to compare: each is allowed to change, and a change is
   * named in a warning, since the resumed run then optimises another objective than the first part.
   */
  public RunSettings record(RunSettings r) {
    return r.tunable("rlhf.dpo.loss-type", loss.kind().name().toLowerCase(Locale.ROOT))
        .tunable("rlhf.dpo.beta", loss.beta())
        .tunable("rlhf.dpo.label-smoothing", loss.labelSmoothing())
        .tunable("rlhf.dpo.precompute-ref-logps", precomputeRefLogps)
        .tunable("rlhf.dpo.max-length", truncation.maxLength())
        .tunable("rlhf.dpo.max-prompt-length", truncation.maxPromptLength());
  }
}
