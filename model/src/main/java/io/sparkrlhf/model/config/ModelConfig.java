package io.sparkrlhf.model.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Locale;
import java.util.Set;

/**
 * One record for every decoder family (as litgpt's Config): LLaMA and GPT-2 differ in data, not in
 * classes. Read from and written back to Hugging Face's {@code config.json}.
 *
 * @param family llama (RMSNorm, rotary, SwiGLU, grouped-query attention) or gpt2 (LayerNorm,
 *     learned positions, GELU-tanh, biases, tied head)
 * @param attentionBias q/k/v projections carry biases (Qwen2; always for GPT-2's fused c_attn)
 */
public record ModelConfig(
    Family family,
    String modelType,
    int vocabSize,
    int hiddenSize,
    int numLayers,
    int numHeads,
    int numKvHeads,
    int intermediateSize,
    int maxPositions,
    double normEps,
    double ropeTheta,
    boolean tieWordEmbeddings,
    boolean attentionBias,
    Integer bosTokenId,
    Integer eosTokenId,
    Integer padTokenId) {

  public enum Family {
    LLAMA,
    GPT2
  }

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Set<String> LLAMA_TYPES = Set.of("llama", "mistral", "qwen2");

  public ModelConfig {
    require(numHeads > 0 && numKvHeads > 0, "head counts must be positive");
    require(hiddenSize % numHeads == 0, "hidden_size " + hiddenSize + " is not divisible by num_attention_heads " + numHeads);
    require(numHeads % numKvHeads == 0,
        "num_attention_heads " + numHeads + " is not divisible by num_key_value_heads " + numKvHeads);
    require(vocabSize > 0 && numLayers > 0 && intermediateSize > 0 && maxPositions > 0, "sizes must be positive");
    int headDim = hiddenSize / numHeads; // fields are not assigned yet in a compact constructor
    require(family != Family.LLAMA || headDim % 2 == 0, "rotary embeddings need an even head size, found " + headDim);
  }

  public int headDim() {
    return hiddenSize / numHeads;
  }

  public static ModelConfig fromHfJson(byte[] json, String source) {
    JsonNode c;
    try {
      c = JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException(source + " is not valid JSON: " + e.getMessage(), e);
    }
    String type = c.path("model_type").asText("").toLowerCase(Locale.ROOT);
    try {
      if (LLAMA_TYPES.contains(type)) {
        return llama(c, type, source);
      }
      if (type.equals("gpt2")) {
        return gpt2(c, source);
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
    }
    throw new IllegalArgumentException(source + ": model_type '" + type + "' is not supported (llama, mistral, qwen2, gpt2 are)");
  }

  private static ModelConfig llama(JsonNode c, String type, String source) {
    JsonNode scaling = c.path("rope_scaling");
    if (!scaling.isMissingNode() && !scaling.isNull()) {
      throw new IllegalArgumentException("rope_scaling " + scaling + " is not supported yet");
    }
    String act = c.path("hidden_act").asText("silu");
    require(act.equals("silu"), "hidden_act '" + act + "' is not supported for " + type + " (silu is)");
    int heads = required(c, "num_attention_heads");
    return new ModelConfig(Family.LLAMA, type, required(c, "vocab_size"), required(c, "hidden_size"),
        required(c, "num_hidden_layers"), heads, c.path("num_key_value_heads").asInt(heads),
        required(c, "intermediate_size"), c.path("max_position_embeddings").asInt(2048),
        c.path("rms_norm_eps").asDouble(1e-6), c.path("rope_theta").asDouble(10000.0),
        c.path("tie_word_embeddings").asBoolean(false),
        c.path("attention_bias").asBoolean(type.equals("qwen2")),
        optionalInt(c, "bos_token_id"), optionalInt(c, "eos_token_id"), optionalInt(c, "pad_token_id"));
  }

  private static ModelConfig gpt2(JsonNode c, String source) {
    String act = c.path("activation_function").asText("gelu_new");
    require(act.equals("gelu_new") || act.equals("gelu_pytorch_tanh"),
        "activation_function '" + act + "' is not supported for gpt2 (gelu_new is)");
    int hidden = required(c, "n_embd");
    JsonNode inner = c.path("n_inner");
    int heads = required(c, "n_head");
    return new ModelConfig(Family.GPT2, "gpt2", required(c, "vocab_size"), hidden, required(c, "n_layer"), heads, heads,
        inner.isMissingNode() || inner.isNull() ? 4 * hidden : inner.asInt(), c.path("n_positions").asInt(1024),
        c.path("layer_norm_epsilon").asDouble(1e-5), 0.0, true, true,
        optionalInt(c, "bos_token_id"), optionalInt(c, "eos_token_id"), optionalInt(c, "pad_token_id"));
  }

  /** The same keys transformers writes, so the directory loads there (and in vLLM). */
  public byte[] toHfJson() {
    ObjectNode c = JSON.createObjectNode();
    c.put("model_type", modelType);
    c.put("vocab_size", vocabSize);
    if (family == Family.LLAMA) {
      c.putArray("architectures").add(switch (modelType) {
        case "mistral" -> "MistralForCausalLM";
        case "qwen2" -> "Qwen2ForCausalLM";
        default -> "LlamaForCausalLM";
      });
      c.put("hidden_size", hiddenSize);
      c.put("num_hidden_layers", numLayers);
      c.put("num_attention_heads", numHeads);
      c.put("num_key_value_heads", numKvHeads);
      c.put("intermediate_size", intermediateSize);
      c.put("max_position_embeddings", maxPositions);
      c.put("rms_norm_eps", normEps);
      c.put("rope_theta", ropeTheta);
      c.put("hidden_act", "silu");
      c.put("tie_word_embeddings", tieWordEmbeddings);
      c.put("attention_bias", attentionBias);
    } else {
      c.putArray("architectures").add("GPT2LMHeadModel");
      c.put("n_embd", hiddenSize);
      c.put("n_layer", numLayers);
      c.put("n_head", numHeads);
      c.put("n_inner", intermediateSize);
      c.put("n_positions", maxPositions);
      c.put("layer_norm_epsilon", normEps);
      c.put("activation_function", "gelu_new");
    }
    putOptional(c, "bos_token_id", bosTokenId);
    putOptional(c, "eos_token_id", eosTokenId);
    putOptional(c, "pad_token_id", padTokenId);
    try {
      return JSON.writeValueAsBytes(c);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void putOptional(ObjectNode c, String key, Integer value) {
    if (value != null) {
      c.put(key, value);
    }
  }

  private static int required(JsonNode c, String key) {
    JsonNode v = c.get(key);
    if (v == null || !v.canConvertToInt()) {
      throw new IllegalArgumentException("config key '" + key + "' is missing or not an integer");
    }
    return v.asInt();
  }

  /** eos_token_id may be a list in newer configs; the first entry is the one generation stops on. */
  private static Integer optionalInt(JsonNode c, String key) {
    JsonNode v = c.get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isArray()) {
      return v.isEmpty() ? null : v.get(0).asInt();
    }
    return v.asInt();
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
