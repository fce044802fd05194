package io.sparkrlhf.jobs.ppo;

import io.sparkrlhf.model.generate.SamplingConfig;
import io.sparkrlhf.model.rl.KlEstimator;
import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * How rollouts sample and what they record. A response's sampling seed and length limit are pure
 * functions of (seed, iteration, prompt index): a retried task, another partition count or another
 * executor draws the same tokens. The limit is drawn uniformly from [minNewTokens, maxNewTokens]
 * (TRL's LengthSampler); the row also stops at EOS.
 */
public record RolloutSettings(long seed, int minNewTokens, int maxNewTokens, int topK, double topP, double temperature,
    KlEstimator klPenalty, int rolloutBatch, int[] eosTokenIds, int padTokenId) implements Serializable {
  /** The iteration number evaluations sample with: the same responses' seeds and limits at every evaluation. */
  public static final long EVAL = -1;

  public SamplingConfig sampling() {
    return new SamplingConfig(maxNewTokens, 0, false, temperature, topK, topP, seed, eosTokenIds[0], padTokenId, true,
        eosTokenIds);
  }

  /** Whether {@code token} ends a response. */
  public boolean isEos(int token) {
    for (int id : eosTokenIds) {
      if (id == token) {
        return true;
      }
    }
    return false;
  }

  public long rowSeed(long iteration, long promptIndex) {
    return random(iteration, promptIndex).nextLong();
  }

  public int rowLimit(long iteration, long promptIndex) {
    SplittableRandom r = random(iteration, promptIndex);
    r.nextLong();
    return minNewTokens + r.nextInt(maxNewTokens - minNewTokens + 1);
  }

  private SplittableRandom random(long iteration, long promptIndex) {
    return new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ (iteration + 2) * 0xC2B2AE3D27D4EB4FL
        ^ promptIndex * 0x165667B19E3779F9L);
  }
}
