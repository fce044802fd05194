package io.sparkrlhf.jobs.dpo;

import io.sparkrlhf.model.rl.DpoLosses;
import java.io.Serializable;

/** The DPO objective's settings: TRL's loss_type, beta and label_smoothing. */
public record DpoLoss(DpoLosses.Kind kind, double beta, double labelSmoothing) implements Serializable {
  public DpoLoss {
    if (!(beta > 0)) {
      throw new IllegalArgumentException("rlhf.dpo.beta must be > 0, found " + beta);
    }
    if (!(labelSmoothing >= 0 && labelSmoothing < 0.5)) {
      throw new IllegalArgumentException("rlhf.dpo.label-smoothing must be in [0, 0.5), found " + labelSmoothing);
    }
    if (kind == DpoLosses.Kind.IPO && labelSmoothing != 0) {
      throw new IllegalArgumentException("rlhf.dpo.label-smoothing applies to the sigmoid loss only, not to ipo");
    }
  }
}
