package io.sparkrlhf.jobs.train;

import com.typesafe.config.Config;
import io.sparkrlhf.model.config.ModelConfig;
import java.util.Locale;

/** {@code rlhf.model.fresh}: the config of a model trained from scratch (the embedded tiny default). */
public final class FreshModel {
  private FreshModel() {}

  /** {@code vocabSize} and {@code eosTokenId} come from the prepared tables when the section leaves vocab-size at 0. */
  public static ModelConfig config(Config fresh, int tokenizerVocab, Integer eosTokenId) {
    String type = fresh.getString("model-type").toLowerCase(Locale.ROOT);
    int vocab = fresh.getInt("vocab-size") > 0 ? fresh.getInt("vocab-size") : tokenizerVocab;
    if (eosTokenId != null && eosTokenId >= vocab) {
      throw new IllegalArgumentException("rlhf.model.fresh.vocab-size " + vocab + " does not cover the tokenizer's EOS id "
          + eosTokenId);
    }
    int hidden = fresh.getInt("hidden-size");
    int layers = fresh.getInt("layers");
    int heads = fresh.getInt("heads");
    int inner = fresh.getInt("intermediate-size");
    int positions = fresh.getInt("max-positions");
    return switch (type) {
      case "gpt2" -> new ModelConfig(ModelConfig.Family.GPT2, "gpt2", vocab, hidden, layers, heads, heads, inner,
          positions, 1e-5, 0, true, true, eosTokenId, eosTokenId, null);
      case "llama" -> new ModelConfig(ModelConfig.Family.LLAMA, "llama", vocab, hidden, layers, heads,
          fresh.getInt("kv-heads"), inner, positions, 1e-6, 10000, false, false, null, eosTokenId, null);
      default -> throw new IllegalArgumentException("rlhf.model.fresh.model-type must be gpt2 or llama, found '" + type + "'");
    };
  }
}
