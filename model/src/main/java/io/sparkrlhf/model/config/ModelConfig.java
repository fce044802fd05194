package io.sparkrlhf.model.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One record for every decoder family (as litgpt's Config): LLaMA and GPT-2 differ in data, not in
 * classes. Read from and written back to Hugging Face's {@code config.json}.
 *
 * @param family llama (RMSNorm, rotary, SwiGLU, grouped-query attention) or gpt2 (LayerNorm,
 *     learned positions, GELU-tanh, biases, tied head)
 * @param attentionBias q/k/v projections carry biases (Qwen2; always for GPT-2's fused c_attn)
 * @param headDim size of one attention head: {@code head_dim} when the file gives it (Qwen3 and
 *     some Qwen2 and Mistral checkpoints set it apart from hidden_size / heads)
 * @param ropeScaling {@code rope_scaling}, null for plain rotary
 * @param attentionOutputBias o_proj carries a bias (LLaMA's and Qwen3's {@code attention_bias}; not Qwen2)
 * @param mlpBias gate/up/down carry biases ({@code mlp_bias})
 * @param qkNorm per-head RMSNorm of queries and keys before rotary (Qwen3)
 * @param slidingWindow a query sees only the last {@code slidingWindow} positions (itself
 *     included); null for full causal attention
 * @param eosTokenIds every id generation stops on (config.json's {@code eos_token_id} may be a
 *     list; Llama 3 Instruct has three); the first is {@link #eosTokenId()}
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
    Integer padTokenId,
    int headDim,
    RopeScaling ropeScaling,
    boolean attentionOutputBias,
    boolean mlpBias,
    boolean qkNorm,
    Integer slidingWindow,
    List<Integer> eosTokenIds) {

  public enum Family {
    LLAMA,
    GPT2
  }

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Set<String> LLAMA_TYPES = Set.of("llama", "mistral", "qwen2", "qwen3");

  public ModelConfig {
    require(numHeads > 0 && numKvHeads > 0, "head counts must be positive");
    require(headDim > 0, "head_dim must be positive, found " + headDim);
    require(numHeads % numKvHeads == 0,
        "num_attention_heads " + numHeads + " is not divisible by num_key_value_heads " + numKvHeads);
    require(vocabSize > 0 && numLayers > 0 && intermediateSize > 0 && maxPositions > 0, "sizes must be positive");
    require(family != Family.LLAMA || headDim % 2 == 0, "rotary embeddings need an even head size, found " + headDim);
    require(family == Family.LLAMA || headDim * numHeads == hiddenSize, "gpt2 needs head size × heads = n_embd");
    require(slidingWindow == null || slidingWindow > 0, "sliding_window must be positive, found " + slidingWindow);
    if (eosTokenIds == null || eosTokenIds.isEmpty()) {
      eosTokenIds = eosTokenId == null ? List.of() : List.of(eosTokenId);
    } else {
      eosTokenIds = List.copyOf(eosTokenIds);
      require(eosTokenIds.get(0).equals(eosTokenId), "eos_token_id " + eosTokenId + " must be the first of " + eosTokenIds);
    }
  }

  /**
   * The layout every config had before explicit head sizes, rope scaling, Qwen3 and sliding
   * windows: head size hidden / heads, plain rotary, q/k/v biases only, one EOS.
   */
  public ModelConfig(Family family, String modelType, int vocabSize, int hiddenSize, int numLayers, int numHeads,
      int numKvHeads, int intermediateSize, int maxPositions, double normEps, double ropeTheta,
      boolean tieWordEmbeddings, boolean attentionBias, Integer bosTokenId, Integer eosTokenId, Integer padTokenId) {
    this(family, modelType, vocabSize, hiddenSize, numLayers, numHeads, numKvHeads, intermediateSize, maxPositions,
        normEps, ropeTheta, tieWordEmbeddings, attentionBias, bosTokenId, eosTokenId, padTokenId,
        derivedHeadDim(hiddenSize, numHeads), null, false, false, false, null, null);
  }

  private static int derivedHeadDim(int hiddenSize, int numHeads) {
    require(numHeads > 0, "head counts must be positive");
    require(hiddenSize % numHeads == 0, "hidden_size " + hiddenSize + " is not divisible by num_attention_heads "
        + numHeads + " (give head_dim)");
    return hiddenSize / numHeads;
  }

  /** Every EOS id as an array, for a generator that stops on any of them. */
  public int[] eosTokenIdArray() {
    return eosTokenIds.stream().mapToInt(Integer::intValue).toArray();
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
    throw new IllegalArgumentException(source + ": model_type '" + type + "' is not supported (llama, mistral, qwen2, qwen3, gpt2 are)");
  }

  private static ModelConfig llama(JsonNode c, String type, String source) {
    // Keys that change the math and are not implemented: refused here, before any weight is read.
    if (c.hasNonNull("quantization_config")) {
      throw new IllegalArgumentException("quantization_config is not supported (load an unquantized checkpoint)");
    }
    JsonNode partial = c.get("partial_rotary_factor");
    if (partial != null && !partial.isNull() && partial.asDouble() != 1.0) {
      throw new IllegalArgumentException("partial_rotary_factor " + partial + " is not supported (1.0 is)");
    }
    // transformers v5 writes rope_parameters (rope_theta inside) where v4 wrote rope_scaling + rope_theta
    double theta = c.path("rope_theta").asDouble(10000.0);
    RopeScaling scaling;
    JsonNode parameters = c.get("rope_parameters");
    if (parameters != null && parameters.isObject()) {
      ObjectNode rest = parameters.deepCopy();
      theta = rest.has("rope_theta") ? rest.remove("rope_theta").asDouble() : theta;
      scaling = RopeScaling.fromJson(rest.size() == 0 ? null : rest, "rope_parameters");
    } else {
      scaling = RopeScaling.fromJson(c.get("rope_scaling"));
    }
    String act = c.path("hidden_act").asText("silu");
    require(act.equals("silu"), "hidden_act '" + act + "' is not supported for " + type + " (silu is)");
    int hidden = required(c, "hidden_size");
    int heads = required(c, "num_attention_heads");
    JsonNode hd = c.get("head_dim");
    int headDim = hd == null || hd.isNull() ? derivedHeadDim(hidden, heads) : required(c, "head_dim");
    // Biases: Qwen2 always has q/k/v biases and never an o_proj one; LLaMA and Qwen3 put
    // attention_bias on all four projections; Mistral has none.
    boolean qkvBias;
    boolean oBias;
    boolean mlpBias = false;
    switch (type) {
      case "qwen2" -> {
        qkvBias = true;
        oBias = false;
      }
      case "mistral" -> qkvBias = oBias = false;
      default -> {
        qkvBias = oBias = c.path("attention_bias").asBoolean(false);
        mlpBias = type.equals("llama") && c.path("mlp_bias").asBoolean(false);
      }
    }
    Integer window = null;
    if (type.equals("mistral")) {
      JsonNode w = c.get("sliding_window");
      boolean use = c.path("use_sliding_window").asBoolean(true);
      window = !use ? null : w == null ? Integer.valueOf(4096) : w.isNull() ? null : Integer.valueOf(required(c, "sliding_window"));
    } else if (type.startsWith("qwen") && c.path("use_sliding_window").asBoolean(false)) {
      // Qwen2/Qwen3 slide only in layers from max_window_layers on; no released checkpoint turns it on.
      throw new IllegalArgumentException("use_sliding_window true is not supported for " + type
          + " (per-layer windows from max_window_layers); set it to false");
    }
    List<Integer> eos = idList(c, "eos_token_id");
    return new ModelConfig(Family.LLAMA, type, required(c, "vocab_size"), hidden,
        required(c, "num_hidden_layers"), heads, c.path("num_key_value_heads").asInt(heads),
        required(c, "intermediate_size"), c.path("max_position_embeddings").asInt(2048),
        c.path("rms_norm_eps").asDouble(1e-6), theta,
        c.path("tie_word_embeddings").asBoolean(false), qkvBias,
        optionalInt(c, "bos_token_id"), eos.isEmpty() ? null : eos.get(0), optionalInt(c, "pad_token_id"),
        headDim, scaling, oBias, mlpBias, type.equals("qwen3"), window, eos);
  }

  private static ModelConfig gpt2(JsonNode c, String source) {
    String act = c.path("activation_function").asText("gelu_new");
    require(act.equals("gelu_new") || act.equals("gelu_pytorch_tanh"),
        "activation_function '" + act + "' is not supported for gpt2 (gelu_new is)");
    int hidden = required(c, "n_embd");
    JsonNode inner = c.get("n_inner");
    int heads = required(c, "n_head");
    List<Integer> eos = idList(c, "eos_token_id");
    return new ModelConfig(Family.GPT2, "gpt2", required(c, "vocab_size"), hidden, required(c, "n_layer"), heads, heads,
        inner == null || inner.isNull() ? 4 * hidden : inner.asInt(), c.path("n_positions").asInt(1024),
        c.path("layer_norm_epsilon").asDouble(1e-5), 0.0, true, true,
        optionalInt(c, "bos_token_id"), eos.isEmpty() ? null : eos.get(0), optionalInt(c, "pad_token_id"),
        derivedHeadDim(hidden, heads), null, true, true, false, null, eos);
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
        case "qwen3" -> "Qwen3ForCausalLM";
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
      c.put("head_dim", headDim);
      if (modelType.equals("llama")) {
        c.put("mlp_bias", mlpBias);
      }
      if (ropeScaling == null) {
        c.putNull("rope_scaling");
      } else {
        ropeScaling.writeTo(c.putObject("rope_scaling"));
      }
      if (modelType.equals("mistral")) {
        if (slidingWindow == null) {
          c.putNull("sliding_window");
        } else {
          c.put("sliding_window", slidingWindow);
        }
      } else if (modelType.startsWith("qwen")) {
        c.put("use_sliding_window", false);
      }
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
    if (eosTokenIds.size() > 1) {
      eosTokenIds.forEach(c.putArray("eos_token_id")::add);
    } else {
      putOptional(c, "eos_token_id", eosTokenId);
    }
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

  /** An id or a list of ids (Llama 3's eos_token_id: [128001, 128008, 128009]); empty when absent. */
  public static List<Integer> idList(JsonNode c, String key) {
    JsonNode v = c.get(key);
    if (v == null || v.isNull()) {
      return List.of();
    }
    List<Integer> out = new ArrayList<>();
    for (JsonNode id : v.isArray() ? v : List.of(v)) {
      if (!id.canConvertToInt()) {
        throw new IllegalArgumentException(key + " must be an integer or a list of integers, found " + v);
      }
      if (!out.contains(id.asInt())) {
        out.add(id.asInt());
      }
    }
    return out;
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
