package io.sparkrlhf.jobs.ppo;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkrlhf.datasets.io.PreparedDataset;
import io.sparkrlhf.jobs.train.ModelSpec;
import io.sparkrlhf.jobs.train.ModelTokenizer;
import io.sparkrlhf.jobs.train.TokenizerCheck;
import io.sparkrlhf.jobs.train.TokenizerIdentity;
import io.sparkrlhf.model.config.ModelConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The policy and the reward model must read the same token ids: the same vocabulary size and EOS
 * id and, where both say which tokenizer they speak, the same tokenizer. The prompts must come from
 * the policy's tokenizer ({@link TokenizerCheck}) and from one it covers. Checked on the driver
 * before any work.
 */
public final class PolicyCompatibility {
  private PolicyCompatibility() {}

  static void check(ModelSpec policy, ModelSpec reward, PreparedDataset prompts, String promptsRoot, Configuration conf) {
    check(policy, reward, "reward model", prompts, promptsRoot, conf);
  }

  /** {@code role}: how messages name the reward model ("reward model", "safety reward model"). */
  public static void check(ModelSpec policy, ModelSpec reward, String role, PreparedDataset prompts, String promptsRoot,
      Configuration conf) {
    JsonNode dataTokenizer = prompts.manifest().path("tokenizer");
    ModelConfig p = policy.config();
    ModelConfig r = reward.config();
    TokenizerCheck.requireSame(prompts, promptsRoot, policy, conf);
    if (p.vocabSize() != r.vocabSize()) {
      throw new IllegalArgumentException("the " + role + " " + reward.describeBase() + " has a vocabulary of "
          + r.vocabSize() + " tokens, the policy " + policy.describeBase() + " " + p.vocabSize()
          + ": they must share one tokenizer");
    }
    if (p.eosTokenId() != null && r.eosTokenId() != null && !Objects.equals(p.eosTokenId(), r.eosTokenId())) {
      throw new IllegalArgumentException("the " + role + "'s eos_token_id is " + r.eosTokenId() + ", the policy's "
          + p.eosTokenId() + ": they must share one tokenizer");
    }
    Optional<TokenizerIdentity> policyTokenizer = ModelTokenizer.identify(policy, conf);
    Optional<TokenizerIdentity> rewardTokenizer = ModelTokenizer.identify(reward, conf);
    if (policyTokenizer.isPresent() && rewardTokenizer.isPresent()
        && policyTokenizer.get().differsFrom(rewardTokenizer.get())) {
      throw new IllegalArgumentException("the " + role + " " + reward.describeBase() + " speaks "
          + rewardTokenizer.get().describe() + ", the policy " + policy.describeBase() + " "
          + policyTokenizer.get().describe() + ": they must share one tokenizer");
    }
    int dataVocab = dataTokenizer.path("vocab_size").asInt(0);
    if (dataVocab > p.vocabSize()) {
      throw new IllegalArgumentException("the prompts were tokenised with " + dataTokenizer.path("name").asText("?")
          + " (" + dataVocab + " tokens), more than the policy's vocab_size " + p.vocabSize()
          + ": prepare with the policy's tokenizer");
    }
    int dataEos = dataTokenizer.path("eos_token_id").asInt(-1);
    if (p.eosTokenId() != null && dataEos >= 0 && dataEos != p.eosTokenId()) {
      throw new IllegalArgumentException("the prompts' tokenizer ends documents with id " + dataEos + ", the policy's "
          + "eos_token_id is " + p.eosTokenId() + ": prepare with the policy's tokenizer");
    }
  }

  /** Whether the policy's directory has a tokenizer.json to decode samples with. */
  public static boolean hasTokenizerJson(ModelSpec policy, Configuration conf) {
    if (policy.basePath() == null) {
      return false;
    }
    try {
      Path file = new Path(policy.basePath(), "tokenizer.json");
      return file.getFileSystem(conf).exists(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + policy.basePath() + "/tokenizer.json: " + e.getMessage(), e);
    }
  }
}
