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

  /**
   * The BOS token to add, from tokenizer_config.json's {@code add_bos_token} or else from
   * tokenizer.json's post-processor template (LLaMA 3 adds {@code <|begin_of_text|>} that way and
   * has no add_bos_token); empty when neither adds one.
   *
   * @param tokenizerConfig null when the file is absent
   */
  public static Optional<String> bosToAdd(byte[] tokenizerConfig, byte[] tokenizerJson, String source) {
    if (tokenizerConfig != null) {
      Optional<String> configured = bosToAdd(tokenizerConfig, source);
      if (configured.isPresent()) {
        return configured;
      }
    }
    return Optional.ofNullable(bosOfPostProcessor(tokenizerJson, source));
  }

  /**
   * The special token a tokenizer.json's TemplateProcessing puts first in a single sequence
   * (directly, or inside a Sequence of processors), or null.
   */
  public static String bosOfPostProcessor(byte[] tokenizerJson, String source) {
    JsonNode root;
    try {
      root = JSON.readTree(tokenizerJson);
    } catch (IOException e) {
      throw new IllegalArgumentException(source + " is not valid JSON: " + e.getMessage(), e);
    }
    JsonNode post = root == null ? null : root.get("post_processor");
    if (post == null || post.isNull()) {
      return null;
    }
    java.util.List<JsonNode> processors = new java.util.ArrayList<>();
    if ("Sequence".equals(post.path("type").asText())) {
      post.path("processors").forEach(processors::add);
    } else {
      processors.add(post);
    }
    for (JsonNode p : processors) {
      if ("TemplateProcessing".equals(p.path("type").asText())) {
        JsonNode first = p.path("single").path(0);
        if (first.has("SpecialToken")) {
          return first.path("SpecialToken").path("id").asText();
        }
      }
    }
    return null;
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
