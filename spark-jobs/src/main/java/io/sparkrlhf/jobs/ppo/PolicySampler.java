package io.sparkrlhf.jobs.ppo;

import io.sparkrlhf.engine.DistributedData;
import io.sparkrlhf.engine.ReplicaRegistry;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;

/**
 * Sampling and scoring outside PPO's training loop (best-of-n, eval) with PPO's own rollout code:
 * each executor keeps one {@link PpoReplica} (policy, KL reference, reward model(s)) for the run and
 * generates batched with the KV cache. Sample {@code j} of prompt {@code i} draws with the seed and
 * length limit of rollout "iteration" {@code j} for prompt index {@code i}: a pure function of
 * (seed, i, j), so a retried task, another partitioning or another executor writes the same tokens.
 * The policy is used as loaded (its weights are never synced from the driver).
 */
public final class PolicySampler {
  private PolicySampler() {}

  /** One prompt (its global index) and its {@code n} samples, in sample order. */
  public record Sampled(long index, RlPrompt prompt, List<Rollout> samples) implements Serializable {}

  /** Lazily: every prompt's n samples; run it with an action, then {@link #release}. */
  public static JavaRDD<Sampled> sample(DistributedData<RlPrompt> prompts, String runId, PpoObjective objective, int n) {
    if (n < 1) {
      throw new IllegalArgumentException("the number of samples per prompt must be >= 1, found " + n);
    }
    return prompts.blocks().flatMap(block -> {
      int size = block.examples().size();
      long[] indices = new long[size];
      int[] slots = new int[size];
      for (int i = 0; i < size; i++) {
        indices[i] = block.start() + i;
        slots[i] = -1;
      }
      List<List<Rollout>> bySample = ReplicaRegistry.withReplica(runId, objective, held -> {
        PpoReplica replica = (PpoReplica) held.replica();
        List<List<Rollout>> out = new ArrayList<>(n);
        for (int j = 0; j < n; j++) {
          out.add(replica.rollout(block.examples(), indices, slots, indices, j, new RolloutTimes()));
        }
        return out;
      });
      List<Sampled> out = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        List<Rollout> samples = new ArrayList<>(n);
        for (int j = 0; j < n; j++) {
          samples.add(bySample.get(j).get(i));
        }
        out.add(new Sampled(indices[i], block.examples().get(i), samples));
      }
      return out.iterator();
    });
  }

  public static void release(DistributedData<RlPrompt> prompts, String runId) {
    ReplicaRegistry.releaseOn(prompts.blocks(), runId);
  }
}
