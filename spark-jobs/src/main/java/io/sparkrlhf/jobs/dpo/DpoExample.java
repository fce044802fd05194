package io.sparkrlhf.jobs.dpo;

import io.sparkrlhf.jobs.reward.PreferencePair;
import java.io.Serializable;

/**
 * A preference pair as DPO trains on it, after truncation; {@code referenceLogps} holds the
 * reference model's log-probs of the chosen and rejected responses when they were precomputed
 * (null: the replica computes them).
 */
public record DpoExample(PreferencePair pair, float[] referenceLogps) implements Serializable {
  public DpoExample {
    if (referenceLogps != null && referenceLogps.length != 2) {
      throw new IllegalArgumentException("reference log-probs are (chosen, rejected), found " + referenceLogps.length);
    }
  }

  public static DpoExample of(PreferencePair pair) {
    return new DpoExample(pair, null);
  }
}
