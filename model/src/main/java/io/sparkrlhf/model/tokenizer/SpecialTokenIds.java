package io.sparkrlhf.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkrlhf.model.config.ModelConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BOS, EOS and PAD ids of a model directory, gathered the way transformers does from
 * {@code tokenizer_config.json}, {@code special_tokens_map.json}, {@code generation_config.json}
 * and {@code config.json}.
 *
 * <ul>
 *   <li>{@code eos}: every id generation stops on. First the tokenizer's {@code eos_token} (the one
 *       appended after training documents: Llama-3-Instruct's {@code <|eot_id|>}), then the ids of
 *       generation_config.json's and config.json's {@code eos_token_id} (Llama 3.1 lists
 *       128001, 128008, 128009).
 *   <li>{@code pad}: the {@code pad_token}, else a {@code pad_token_id}; a model with none (LLaMA 3)
 *       pads with its first EOS, and says so in the log.
 *   <li>{@code bosToAdd}: the token put before every sequence: {@code bos_token} when
 *       {@code add_bos_token} is true (LLaMA 1/2, Mistral), or the special token that starts the
 *       tokenizer.json post-processor's template (LLaMA 3's {@code <|begin_of_text|>}); null when
 *       sequences get none (GPT-2, Qwen).
 * </ul>
 *
 * @param bos the BOS id when one is known, whether or not it is added; null otherwise
 */
public record SpecialTokenIds(Integer bos, Integer bosToAdd, int[] eos, int pad, boolean padIsEos) {
  private static final Logger LOG = LoggerFactory.getLogger(SpecialTokenIds.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The files of a model directory that name special tokens; any may be null (absent). */
  public record Files(byte[] tokenizerJson, byte[] tokenizerConfig, byte[] specialTokensMap, byte[] generationConfig,
      byte[] modelConfig) {}

  public int firstEos() {
    return eos[0];
  }

  public int[] eos() {
    return eos.clone();
  }

  /**
   * @param vocab token text to id, model vocabulary and added tokens (null when there is no tokenizer.json)
   * @param source the directory, for messages
   */
  public static SpecialTokenIds resolve(Files f, Map<String, Integer> vocab, String source) {
    JsonNode tokConfig = tree(f.tokenizerConfig(), source + "/tokenizer_config.json");
    JsonNode tokMap = tree(f.specialTokensMap(), source + "/special_tokens_map.json");
    JsonNode generation = tree(f.generationConfig(), source + "/generation_config.json");
    JsonNode model = tree(f.modelConfig(), source + "/config.json");

    List<Integer> eos = new ArrayList<>();
    String eosText = text(tokConfig, tokMap, "eos_token");
    if (eosText != null && vocab != null) {
      eos.add(id(vocab, eosText, "eos_token", source));
    }
    for (JsonNode c : new JsonNode[] {generation, model}) {
      if (c != null) {
        for (int id : ModelConfig.idList(c, "eos_token_id")) {
          if (!eos.contains(id)) {
            eos.add(id);
          }
        }
      }
    }
    if (eos.isEmpty()) {
      throw new IllegalArgumentException(source + ": no EOS token: none of eos_token (tokenizer_config.json,"
          + " special_tokens_map.json) or eos_token_id (generation_config.json, config.json) is set");
    }

    String bosText = text(tokConfig, tokMap, "bos_token");
    Integer bos = bosText != null && vocab != null ? vocab.get(bosText) : null;
    if (bos == null) {
      bos = firstId(generation, model, "bos_token_id");
    }
    Integer bosToAdd = null;
    if (vocab == null) {
      bosToAdd = null; // no tokenizer: nothing is tokenised here
    } else if (tokConfig != null && tokConfig.path("add_bos_token").asBoolean(false) && bosText != null) {
      bosToAdd = id(vocab, bosText, "bos_token", source);
    } else {
      String templated = f.tokenizerJson() == null ? null : SpecialTokens.bosOfPostProcessor(f.tokenizerJson(), source);
      if (templated != null) {
        bosToAdd = id(vocab, templated, "the post_processor's first special token", source);
      }
    }

    String padText = text(tokConfig, tokMap, "pad_token");
    Integer pad = padText != null && vocab != null ? Integer.valueOf(id(vocab, padText, "pad_token", source))
        : firstId(generation, model, "pad_token_id");
    boolean padIsEos = pad == null;
    if (padIsEos) {
      pad = eos.get(0);
      LOG.warn("{} defines no pad token: padding with EOS id {}{} (masked out of attention and losses)", source, pad,
          eosText == null ? "" : " (" + eosText + ")");
    }
    return new SpecialTokenIds(bos, bosToAdd, eos.stream().mapToInt(Integer::intValue).toArray(), pad, padIsEos);
  }

  private static Integer firstId(JsonNode generation, JsonNode model, String key) {
    for (JsonNode c : new JsonNode[] {generation, model}) {
      if (c != null) {
        List<Integer> ids = ModelConfig.idList(c, key);
        if (!ids.isEmpty()) {
          return ids.get(0);
        }
      }
    }
    return null;
  }

  /** tokenizer_config.json first, special_tokens_map.json second; a string or {"content": ...}. */
  private static String text(JsonNode tokConfig, JsonNode tokMap, String key) {
    for (JsonNode c : new JsonNode[] {tokConfig, tokMap}) {
      JsonNode t = c == null ? null : c.get(key);
      if (t == null || t.isNull()) {
        continue;
      }
      return t.isTextual() ? t.asText() : t.path("content").asText(null);
    }
    return null;
  }

  private static int id(Map<String, Integer> vocab, String text, String what, String source) {
    Integer id = vocab == null ? null : vocab.get(text);
    if (id == null) {
      throw new IllegalArgumentException(source + ": " + what + " '" + text + "' is not in the vocabulary of tokenizer.json");
    }
    return id;
  }

  private static JsonNode tree(byte[] bytes, String source) {
    if (bytes == null) {
      return null;
    }
    try {
      return JSON.readTree(bytes);
    } catch (IOException e) {
      throw new IllegalArgumentException(source + " is not valid JSON: " + e.getMessage(), e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SpecialTokenIds s && java.util.Objects.equals(bos, s.bos)
        && java.util.Objects.equals(bosToAdd, s.bosToAdd) && Arrays.equals(eos, s.eos) && pad == s.pad
        && padIsEos == s.padIsEos;
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(bos, bosToAdd, Arrays.hashCode(eos), pad, padIsEos);
  }

  @Override
  public String toString() {
    return "SpecialTokenIds[bos=" + bos + ", bosToAdd=" + bosToAdd + ", eos=" + Arrays.toString(eos) + ", pad=" + pad
        + (padIsEos ? " (EOS)" : "") + "]";
  }
}
