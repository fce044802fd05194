package io.sparkrlhf.jobs.ppo;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkrlhf.jobs.train.ModelSpec;
import io.sparkrlhf.model.config.ModelConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The policy and the reward model must read the same token ids: the same vocabulary size and EOS
 * id, and, where both directories carry a tokenizer.json, the same file. The prompts must come from
 * a tokenizer the policy covers. Checked on the driver before any work.
 */
final class PolicyCompatibility {
  private PolicyCompatibility() {}

  static void check(ModelSpec policy, ModelSpec reward, JsonNode dataTokenizer, Configuration conf) {
    ModelConfig p = policy.config();
    ModelConfig r = reward.config();
    if (p.vocabSize() != r.vocabSize()) {
      throw new IllegalArgumentException("the reward model " + reward.describeBase() + " has a vocabulary of "
          + r.vocabSize() + " tokens, the policy " + policy.describeBase() + " " + p.vocabSize()
          + ": they must share one tokenizer");
    }
    if (p.eosTokenId() != null && r.eosTokenId() != null && !Objects.equals(p.eosTokenId(), r.eosTokenId())) {
      throw new IllegalArgumentException("the reward model's eos_token_id is " + r.eosTokenId() + ", the policy's "
          + p.eosTokenId() + ": they must share one tokenizer");
    }
    String policyTokenizer = digest(policy.basePath(), conf);
    String rewardTokenizer = digest(reward.basePath(), conf);
    if (policyTokenizer != null && rewardTokenizer != null && !policyTokenizer.equals(rewardTokenizer)) {
      throw new IllegalArgumentException("the reward model's tokenizer.json (" + reward.basePath()
          + ") differs from the policy's (" + policy.basePath() + "): they must share one tokenizer");
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

  /** SHA-256 of {@code dir}/tokenizer.json, or null when the directory has none. */
  static String digest(String dir, Configuration conf) {
    if (dir == null) {
      return null;
    }
    try {
      Path file = new Path(dir, "tokenizer.json");
      FileSystem fs = file.getFileSystem(conf);
      if (!fs.exists(file)) {
        return null;
      }
      try (InputStream in = fs.open(file)) {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(in.readAllBytes()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + dir + "/tokenizer.json: " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
