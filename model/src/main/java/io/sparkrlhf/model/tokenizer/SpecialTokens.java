package io.sparkrlhf.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Optional;

/**
 * Reads special-token text from Hugging Face's {@code tokenizer_config.json} or
 * {@code special_tokens_map.json}, where a token is either a string or {@code {"content": ...}}.
 */
public final class SpecialTokens {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SpecialTokens() {}

  /**
   * The BOS token to add before every sequence: {@code bos_token} when {@code add_bos_token} is
   * true in tokenizer_config.json (LLaMA, Mistral); empty otherwise (GPT-2, Qwen2).
   */
  public static Optional<String> bosToAdd(byte[] tokenizerConfig, String source) {
    JsonNode root;
    try {
      root = JSON.readTree(tokenizerConfig);
    } catch (IOException e) {
      throw new IllegalArgumentException(source + " is not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.path("add_bos_token").asBoolean(false)) {
      return Optional.empty();
    }
    return find(tokenizerConfig, "bos_token", source);
  }

  /** The value of {@code key} (e.g. {@code eos_token}) in the given JSON, if present. */
  public static Optional<String> find(byte[] configJson, String key, String source) {
    JsonNode root;
    try {
      root = JSON.readTree(configJson);
    } catch (IOException e) {
      throw new IllegalArgumentException(source + " is not valid JSON: " + e.getMessage(), e);
    }
    JsonNode token = root == null ? null : root.get(key);
    if (token == null || token.isNull()) {
      return Optional.empty();
    }
    if (token.isTextual()) {
      return Optional.of(token.asText());
    }
    if (token.has("content")) {
      return Optional.of(token.get("content").asText());
    }
    throw new IllegalArgumentException(
        source + ": " + key + " must be a string or an object with \"content\", found " + token);
  }
}
