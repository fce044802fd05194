package io.sparkrlhf.jobs.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import io.sparkrlhf.model.config.ModelConfig;
import org.apache.hadoop.conf.Configuration;

/** Resolves the model a job starts from: a path, or the fresh model of {@code rlhf.model.fresh}. */
public final class ModelChoice {
  private ModelChoice() {}

  /**
   * @param path a model, adapter or run directory; empty for a fresh model
   * @param tokenizer the prepared manifest's {@code tokenizer} node (vocabulary size, EOS id)
   */
  public static ModelSpec resolve(Config conf, String path, TrainingSettings s, JsonNode tokenizer, Configuration hadoop) {
    String precision = conf.getString("rlhf.model.precision");
    if (path.isBlank()) {
      Integer eos = tokenizer.hasNonNull("eos_token_id") ? tokenizer.get("eos_token_id").asInt() : null;
      ModelConfig config = FreshModel.config(conf.getConfig("rlhf.model.fresh"), tokenizer.path("vocab_size").asInt(0), eos);
      return ModelSpec.fresh(config, conf.getLong("rlhf.model.fresh.seed"), precision, s.lora(config), s.seed() + 1);
    }
    ModelSpec spec = ModelSpec.at(path, hadoop, precision, null, 0); // LoRA targets depend on the model's family
    return spec.withLora(s.lora(spec.config()), s.seed() + 1);
  }

  /** The model must cover the tables' token ids and sequence length. */
  public static void checkFits(ModelConfig model, JsonNode tokenizer, int sequenceLength, String what) {
    int vocab = tokenizer.path("vocab_size").asInt(0);
    if (vocab > model.vocabSize()) {
      throw new IllegalArgumentException("the prepared tables use a tokenizer of " + vocab + " tokens, but the model's "
          + "vocab_size is " + model.vocabSize() + ": prepare with the model's tokenizer");
    }
    if (sequenceLength > model.maxPositions()) {
      throw new IllegalArgumentException(what + " is " + sequenceLength + " tokens, more than the model's "
          + "max_position_embeddings " + model.maxPositions());
    }
  }
}
