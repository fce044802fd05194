package io.sparkrlhf.model.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/**
 * Rotary frequencies for a small config (head size 8, θ = 10000, so the plain inverse frequencies
 * are 1, 0.1, 0.01, 0.001) against values worked out by hand.
 */
class RopeScalingTest {
  private static RopeScaling parse(String json) throws Exception {
    return RopeScaling.fromJson(new ObjectMapper().readTree(json));
  }

  private static double[] frequencies(String json, int maxPositions, long longest) throws Exception {
    return RopeScaling.inverseFrequencies(parse(json), 8, 10000, maxPositions, longest);
  }

  @Test
  void plainRotaryIsOneOverThetaToTheTwoIOverD() {
    assertArrayEquals(new double[] {1, 0.1, 0.01, 0.001, 1}, RopeScaling.inverseFrequencies(null, 8, 10000, 64, 0), 1e-12);
  }

  /**
   * factor 8, low 1, high 4, original context 64: wavelengths 2π/inv = 6.283, 62.83, 628.3, 6283;
   * kept below 64/4 = 16, divided by 8 above 64/1 = 64, blended between:
   * i=1: s = (64/62.832 − 1)/(4 − 1) = 0.0185916/3 = 0.0061972, inv = (1 − s)·0.1/8 + s·0.1 = 0.0125 + 0.0875·s
   * = 0.01304226.
   */
  @Test
  void llama3KeepsHighFrequenciesDividesLowOnesAndBlendsBetween() throws Exception {
    double[] f = frequencies("{\"rope_type\":\"llama3\",\"factor\":8.0,\"low_freq_factor\":1.0,\"high_freq_factor\":4.0,"
        + "\"original_max_position_embeddings\":64}", 131072, 0);
    assertArrayEquals(new double[] {1, 0.01304226, 0.00125, 0.000125, 1}, f, 1e-8);
  }

  /**
   * factor 4, original 256, β_fast 32, β_slow 1. Correction dim for r turns: 8·ln(256/(2πr))/(2·ln 10000):
   * r = 32: 8·ln(1.27324)/18.42068 = 0.10490 → floor 0; r = 1: 8·ln(40.7437)/18.42068 = 1.61000 → ceil 2.
   * Ramp (i − 0)/(2 − 0) clamped: 0, 0.5, 1, 1 = share interpolated (÷4):
   * 1; 0.5·0.1 + 0.5·0.025 = 0.0625; 0.0025; 0.00025. Attention factor 0.1·ln 4 + 1 = 1.1386294.
   */
  @Test
  void yarnRampsFromOriginalToInterpolatedFrequenciesAndScalesAttention() throws Exception {
    double[] f = frequencies("{\"type\":\"yarn\",\"factor\":4.0,\"original_max_position_embeddings\":256}", 32768, 0);
    assertArrayEquals(new double[] {1, 0.0625, 0.0025, 0.00025, 1.1386294}, f, 1e-7);
    // given attention_factor wins; mscale / mscale_all_dim (DeepSeek's) give their ratio: (0.1·2·ln4+1)/(0.1·ln4+1)
    assertEquals(0.7, frequencies("{\"type\":\"yarn\",\"factor\":4.0,\"attention_factor\":0.7}", 256, 0)[4], 1e-12);
    assertEquals(1.2772589 / 1.1386294,
        frequencies("{\"type\":\"yarn\",\"factor\":4.0,\"mscale\":2,\"mscale_all_dim\":1}", 256, 0)[4], 1e-7);
    // without original_max_position_embeddings the model's max positions is the original context
    assertArrayEquals(f, frequencies("{\"type\":\"yarn\",\"factor\":4.0}", 256, 0), 1e-12);
  }

  @Test
  void linearDividesEveryFrequency() throws Exception {
    assertArrayEquals(new double[] {0.5, 0.05, 0.005, 0.0005, 1}, frequencies("{\"type\":\"linear\",\"factor\":2}", 64, 0), 1e-12);
  }

  /**
   * factor 2, max positions 4: up to 4 positions the base stays; at 8 it becomes
   * 10000·(2·8/4 − 1)^(8/6) = 10000·3^(4/3) = 43267.487, so inv_1 = 1/43267.487^(1/4) = 1/14.42253 = 0.0693361.
   */
  @Test
  void dynamicGrowsTheBaseOncePastMaxPositions() throws Exception {
    String dynamic = "{\"rope_type\":\"dynamic\",\"factor\":2.0}";
    assertArrayEquals(new double[] {1, 0.1, 0.01, 0.001, 1}, frequencies(dynamic, 4, 4), 1e-12);
    double[] f = frequencies(dynamic, 4, 8);
    assertEquals(1, f[0], 1e-12);
    assertEquals(0.0693361, f[1], 1e-7);
    assertEquals(0.0693361 * 0.0693361, f[2], 1e-7);
  }

  @Test
  void defaultAndNullMeanNoScalingAndUnknownsNameTheKey() throws Exception {
    assertNull(parse("null"));
    assertNull(parse("{\"rope_type\":\"default\"}"));
    assertError("rope_scaling.rope_type 'su'", "{\"rope_type\":\"su\",\"factor\":2}");
    assertError("rope_scaling.rope_type is missing", "{\"factor\":2}");
    assertError("rope_scaling.factor", "{\"rope_type\":\"linear\"}");
    assertError("rope_scaling.short_factor", "{\"rope_type\":\"yarn\",\"factor\":2,\"short_factor\":[1]}");
    assertError("rope_scaling.original_max_position_embeddings",
        "{\"rope_type\":\"llama3\",\"factor\":8,\"low_freq_factor\":1,\"high_freq_factor\":4}");
  }

  private static void assertError(String expected, String json) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(json));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }
}
