package io.sparkrlhf.model.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ModelConfigTest {
  private static ModelConfig parse(String json) {
    return ModelConfig.fromHfJson(json.getBytes(StandardCharsets.UTF_8), "config.json");
  }

  /** The shape of TinyLlama-1.1B's config.json. */
  private static final String TINY_LLAMA = "{\"architectures\":[\"LlamaForCausalLM\"],\"bos_token_id\":1,\"eos_token_id\":2,"
      + "\"hidden_act\":\"silu\",\"hidden_size\":2048,\"intermediate_size\":5632,\"max_position_embeddings\":2048,"
      + "\"model_type\":\"llama\",\"num_attention_heads\":32,\"num_hidden_layers\":22,\"num_key_value_heads\":4,"
      + "\"rms_norm_eps\":1e-05,\"rope_scaling\":null,\"rope_theta\":10000.0,\"tie_word_embeddings\":false,"
      + "\"torch_dtype\":\"bfloat16\",\"vocab_size\":32000}";

  @Test
  void readsALlamaConfig() {
    ModelConfig c = parse(TINY_LLAMA);
    assertEquals(ModelConfig.Family.LLAMA, c.family());
    assertEquals(64, c.headDim());
    assertEquals(4, c.numKvHeads());
    assertEquals(1e-5, c.normEps());
    assertFalse(c.tieWordEmbeddings() || c.attentionBias());
    assertEquals(2, c.eosTokenId());
  }

  @Test
  void readsGpt2WithDefaults() {
    ModelConfig c = parse("{\"model_type\":\"gpt2\",\"vocab_size\":50257,\"n_embd\":768,\"n_layer\":12,\"n_head\":12,"
        + "\"n_positions\":1024,\"n_inner\":null,\"layer_norm_epsilon\":1e-05,\"eos_token_id\":50256}");
    assertEquals(ModelConfig.Family.GPT2, c.family());
    assertEquals(3072, c.intermediateSize());
    assertTrue(c.tieWordEmbeddings() && c.attentionBias());
  }

  @Test
  void qwen2HasAttentionBiasAndEosListsTakeTheFirst() {
    ModelConfig c = parse(TINY_LLAMA.replace("\"llama\"", "\"qwen2\"").replace("\"eos_token_id\":2", "\"eos_token_id\":[7,8]"));
    assertTrue(c.attentionBias());
    assertEquals(7, c.eosTokenId());
  }

  @Test
  void transformersV5RopeParametersReadAsRopeScalingAndTheta() {
    String llama3 = "\"rope_type\":\"llama3\",\"factor\":8.0,\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,"
        + "\"original_max_position_embeddings\":8192";
    ModelConfig v4 = parse(TINY_LLAMA.replace("\"rope_scaling\":null,\"rope_theta\":10000.0",
        "\"rope_scaling\":{" + llama3 + "},\"rope_theta\":500000.0"));
    ModelConfig v5 = parse(TINY_LLAMA.replace("\"rope_scaling\":null,\"rope_theta\":10000.0",
        "\"rope_parameters\":{\"rope_theta\":500000.0," + llama3 + "}"));
    assertEquals(v4, v5);
    assertEquals(500000.0, v5.ropeTheta());
    assertEquals("llama3", v5.ropeScaling().type());
    ModelConfig plain = parse(TINY_LLAMA.replace("\"rope_scaling\":null,\"rope_theta\":10000.0",
        "\"rope_parameters\":{\"rope_theta\":1000000.0,\"rope_type\":\"default\"}"));
    assertEquals(1000000.0, plain.ropeTheta());
    assertEquals(null, plain.ropeScaling());
    assertError("rope_parameters.rope_type 'longrope'", TINY_LLAMA.replace("\"rope_scaling\":null",
        "\"rope_parameters\":{\"rope_type\":\"longrope\",\"factor\":2}"));
  }

  @Test
  void writesBackWhatItReads() {
    for (String json : new String[] {TINY_LLAMA, "{\"model_type\":\"gpt2\",\"vocab_size\":100,\"n_embd\":16,\"n_layer\":2,\"n_head\":4}"}) {
      ModelConfig c = parse(json);
      assertEquals(c, ModelConfig.fromHfJson(c.toHfJson(), "round trip"));
    }
  }

  @Test
  void unsupportedOrInconsistentConfigsAreClearErrors() {
    assertError("model_type 'bert'", "{\"model_type\":\"bert\"}");
    assertError("'num_hidden_layers' is missing", TINY_LLAMA.replace("\"num_hidden_layers\":22,", ""));
    assertError("rope_scaling", TINY_LLAMA.replace("\"rope_scaling\":null", "\"rope_scaling\":{\"type\":\"llama3\"}"));
    assertError("not divisible by num_key_value_heads", TINY_LLAMA.replace("\"num_key_value_heads\":4", "\"num_key_value_heads\":5"));
    assertError("hidden_act 'gelu'", TINY_LLAMA.replace("\"silu\"", "\"gelu\""));
    assertError("not valid JSON", "{oops");
  }

  private static void assertError(String expected, String json) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(json));
    assertTrue(e.getMessage().contains(expected) && e.getMessage().contains("config.json"), e.getMessage());
  }
}
