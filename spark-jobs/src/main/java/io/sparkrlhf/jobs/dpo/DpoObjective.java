package io.sparkrlhf.jobs.dpo;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkrlhf.engine.BatchStats;
import io.sparkrlhf.engine.Objective;
import io.sparkrlhf.engine.Replica;
import io.sparkrlhf.engine.TrainableLayout;
import io.sparkrlhf.jobs.train.HfCheckpoints;
import io.sparkrlhf.jobs.train.ModelSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * DPO on preference pairs: the policy {@code spec} (full or LoRA) against a reference that is the
 * policy as it started. Checkpoints are a causal-LM directory or a PEFT adapter, as SFT's. The
 * metrics carry TRL's names: rewards/{chosen,rejected,accuracies,margins}, logps/{chosen,rejected}.
 */
public record DpoObjective(ModelSpec spec, DpoLoss loss, Reference reference, int padTokenId)
    implements Objective<DpoExample> {
  /** Where the reference log-probs come from. */
  public enum Reference {
    /** LoRA: the same weights with the adapters switched off (no second model). */
    ADAPTERS_OFF,
    /** Full fine-tuning: a frozen copy of the starting weights, beside the policy. */
    FROZEN_COPY,
    /** Computed in a pass before training and carried by each example: the replica holds the policy only. */
    PRECOMPUTED;

    public static Reference choose(ModelSpec spec, boolean precompute) {
      return precompute ? PRECOMPUTED : spec.lora() != null ? ADAPTERS_OFF : FROZEN_COPY;
    }
  }

  /** Slots of {@link BatchStats#extras}, summed over pairs. */
  static final int REWARDS_CHOSEN = 0;
  static final int REWARDS_REJECTED = 1;
  static final int LOGPS_CHOSEN = 2;
  static final int LOGPS_REJECTED = 3;
  static final int EXTRAS = 4;

  public DpoObjective {
    if (reference == Reference.ADAPTERS_OFF && spec.lora() == null) {
      throw new IllegalArgumentException("the reference with adapters off needs LoRA adapters to switch off");
    }
  }

  @Override
  public Replica<DpoExample> createReplica(Device device) throws IOException {
    return new DpoReplica(this, device);
  }

  @Override
  public void writeModel(Path dir, TrainableLayout layout, float[] values) throws IOException {
    if (spec.lora() == null) {
      HfCheckpoints.writeFull(dir, spec, layout, values, false);
    } else {
      HfCheckpoints.writeAdapter(dir, spec, layout, values, "CAUSAL_LM", List.of());
    }
  }

  @Override
  public boolean reportsAccuracy() {
    return true; // the implicit reward's pairwise accuracy
  }

  @Override
  public void describe(BatchStats stats, String prefix, ObjectNode line) {
    double n = stats.examples();
    if (n == 0) {
      return;
    }
    double chosen = stats.extra(REWARDS_CHOSEN) / n;
    double rejected = stats.extra(REWARDS_REJECTED) / n;
    line.put(prefix + "rewards/chosen", chosen);
    line.put(prefix + "rewards/rejected", rejected);
    line.put(prefix + "rewards/accuracies", stats.accuracy());
    line.put(prefix + "rewards/margins", chosen - rejected);
    line.put(prefix + "logps/chosen", stats.extra(LOGPS_CHOSEN) / n);
    line.put(prefix + "logps/rejected", stats.extra(LOGPS_REJECTED) / n);
  }
}
