package io.sparkrlhf.jobs.bestofn;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import io.sparkrlhf.datasets.io.PreparedDataset;
import io.sparkrlhf.jobs.ppo.LossSettings;
import io.sparkrlhf.jobs.ppo.PolicyCompatibility;
import io.sparkrlhf.jobs.ppo.PpoJob;
import io.sparkrlhf.jobs.ppo.PpoObjective;
import io.sparkrlhf.jobs.ppo.RewardModels;
import io.sparkrlhf.jobs.ppo.RolloutSettings;
import io.sparkrlhf.jobs.ppo.SafetyRule;
import io.sparkrlhf.jobs.train.ModelSpec;
import io.sparkrlhf.model.config.ModelConfig;
import io.sparkrlhf.model.rl.KlEstimator;
import io.sparkrlhf.model.tokenizer.TextTokenizer;
import org.apache.hadoop.conf.Configuration;

/**
 * What best-of-n and eval sample and score with, checked on the driver before any work: the
 * reward model(s) must speak the policy's tokenizer ({@link PolicyCompatibility}), and so must the
 * prompts.
 */
public record Sampling(RewardModels rewards, TextTokenizer text) {
  /** The reward model(s) at {@code reward} (and {@code safety}, blank: none), each checked against {@code policy}. */
  public static Sampling of(Config conf, ModelSpec policy, String reward, String safety, PreparedDataset data,
      String promptsRoot, Configuration hadoop) {
    String precision = conf.getString("rlhf.model.precision");
    ModelSpec helpfulness = ModelSpec.at(reward, hadoop, precision, null, 0);
    PolicyCompatibility.check(policy, helpfulness, "reward model (--reward)", data, promptsRoot, hadoop);
    ModelSpec safetyModel = null;
    if (safety != null && !safety.isBlank()) {
      safetyModel = ModelSpec.at(safety, hadoop, precision, null, 0);
      PolicyCompatibility.check(policy, safetyModel, "safety reward model (--reward-safety)", data, promptsRoot, hadoop);
    }
    JsonNode tokenizer = data.manifest().path("tokenizer");
    TextTokenizer text = PpoJob.textTokenizer(policy, tokenizer, hadoop);
    return new Sampling(new RewardModels(helpfulness, safetyModel, SafetyRule.from(conf, text)), text);
  }

  /** Rollout settings for sampling with {@code policy}: its EOS and pad ids, the given generation settings. */
  public static RolloutSettings rollout(ModelSpec policy, PreparedDataset data, long seed, int minNewTokens,
      int maxNewTokens, int topK, double topP, double temperature, int rolloutBatch) {
    ModelConfig model = policy.config();
    int[] eosIds = model.eosTokenId() != null ? model.eosTokenIdArray()
        : new int[] {data.manifest().path("tokenizer").path("eos_token_id").asInt(-1)};
    int pad = model.padTokenId() != null ? model.padTokenId() : Math.max(eosIds[0], 0);
    return new RolloutSettings(seed, minNewTokens, maxNewTokens, topK, topP, temperature, KlEstimator.KL, rolloutBatch,
        eosIds, pad);
  }

  /** PPO's objective used only to sample and score (no update runs): {@code reference} null: the policy itself. */
  public PpoObjective objective(ModelSpec policy, RolloutSettings rollout, ModelSpec reference) {
    return new PpoObjective(policy, rewards, rollout, new LossSettings(0.2, 0.2, 0.1), false, reference);
  }

  /** Prompts that leave room for {@code maxNewTokens} in the policy's positions. */
  public static int maxPromptTokens(ModelSpec policy, int maxNewTokens, String key) {
    int max = policy.config().maxPositions() - maxNewTokens;
    if (max < 1) {
      throw new IllegalArgumentException(key + " (" + maxNewTokens + ") leaves no room for a prompt in the policy's "
          + "max_position_embeddings " + policy.config().maxPositions());
    }
    return max;
  }
}
