package io.sparkrlhf.model.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import io.sparkrlhf.model.config.ModelConfig;
import io.sparkrlhf.model.transformer.DecoderLM;
import io.sparkrlhf.model.transformer.TinyModels;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class GeneratorTest {
  private final NDManager m = NDManager.newBaseManager();
  private static final List<int[]> PROMPTS = List.of(new int[] {3, 7, 1}, new int[] {5, 2, 8, 6, 4});

  @AfterEach
  void close() {
    m.close();
  }

  static Stream<ModelConfig> configs() {
    return Stream.of(TinyModels.llama(), TinyModels.gpt2());
  }

  private DecoderLM model(ModelConfig c) {
    return TinyModels.create(c, m, DataType.FLOAT32, 31);
  }

  @ParameterizedTest
  @MethodSource("configs")
  void greedyIsDeterministicAndTopK1IsGreedyAndCacheChangesNothing(ModelConfig c) {
    DecoderLM model = model(c);
    SamplingConfig greedy = SamplingConfig.greedy(8, -1, 0);
    Generator.Result a = Generator.generate(model, PROMPTS, greedy, m);
    Generator.Result again = Generator.generate(model, PROMPTS, greedy, m);
    assertArrayEquals(a.tokens(), again.tokens());
    Generator.Result topK1 = Generator.generate(model, PROMPTS, SamplingConfig.sample(8, 0.7, 1, 1.0, 99, -1, 0), m);
    assertArrayEquals(a.tokens(), topK1.tokens());
    Generator.Result noCache = Generator.generate(model, PROMPTS, greedy.withCache(false), m);
    assertArrayEquals(a.tokens(), noCache.tokens());
    for (int r = 0; r < 2; r++) {
      assertArrayEquals(a.logprobs()[r], noCache.logprobs()[r], 1e-4f);
      assertEquals(8, a.lengths()[r]);
    }
  }

  @ParameterizedTest
  @MethodSource("configs")
  void returnedLogprobsEqualAForwardPassOverPromptAndCompletion(ModelConfig c) {
    DecoderLM model = model(c);
    double temperature = 0.8;
    Generator.Result g = Generator.generate(model, PROMPTS, SamplingConfig.sample(6, temperature, 0, 0.9, 7, -1, 0), m);
    for (int r = 0; r < 2; r++) {
      int[] prompt = PROMPTS.get(r);
      int n = prompt.length + 6;
      long[] ids = new long[n];
      long[] mask = new long[n];
      for (int i = 0; i < n; i++) {
        ids[i] = i < prompt.length ? prompt[i] : g.tokens()[r][i - prompt.length];
        mask[i] = 1;
      }
      NDArray logits = model.forward(new ParameterStore(m, false), m.create(ids).reshape(1, n),
          m.create(mask).reshape(1, n), null, null, false).logits().div(temperature).logSoftmax(-1);
      float[] lp = logits.toFloatArray();
      int vocab = c.vocabSize();
      for (int s = 0; s < 6; s++) {
        int position = prompt.length - 1 + s; // predicts token prompt.length + s
        assertEquals(lp[position * vocab + g.tokens()[r][s]], g.logprobs()[r][s], 1e-4, "row " + r + " step " + s);
      }
    }
  }

  @Test
  void eosStopsOneRowWhileTheOtherContinues() {
    DecoderLM model = model(TinyModels.llama());
    Generator.Result free = Generator.generate(model, PROMPTS, SamplingConfig.greedy(6, -1, 0), m);
    int eos = free.tokens()[0][1]; // row 0's second token
    assertTrue(java.util.Arrays.stream(free.tokens()[1]).noneMatch(t -> t == eos), "precondition: row 1 never emits it");
    int pad = 36;
    Generator.Result stopped = Generator.generate(model, PROMPTS, SamplingConfig.greedy(6, eos, pad), m);
    assertEquals(2, stopped.lengths()[0]);
    assertEquals(eos, stopped.tokens()[0][1]);
    assertEquals(pad, stopped.tokens()[0][2]);
    assertEquals(0f, stopped.logprobs()[0][3]);
    assertEquals(6, stopped.lengths()[1]);
    assertArrayEquals(free.tokens()[1], stopped.tokens()[1]);
    Generator.Result atLeast4 = Generator.generate(model, PROMPTS, SamplingConfig.greedy(6, eos, pad).withMinNewTokens(4), m);
    assertTrue(atLeast4.lengths()[0] >= 4);
    for (int s = 0; s < 4; s++) {
      assertNotEquals(eos, atLeast4.tokens()[0][s]);
    }
  }

  /** Llama 3 lists several EOS ids: a row stops at whichever it emits first. */
  @Test
  void generationStopsAtAnyOfSeveralEosIds() {
    DecoderLM model = model(TinyModels.llama());
    Generator.Result free = Generator.generate(model, PROMPTS, SamplingConfig.greedy(6, -1, 0), m);
    int a = free.tokens()[0][1];
    int b = java.util.Arrays.stream(free.tokens()[1]).filter(t -> t != a).findFirst().orElseThrow();
    java.util.Set<Integer> stops = java.util.Set.of(a, b);
    SamplingConfig both = SamplingConfig.greedy(6, a, 36).withEosTokenIds(a, b);
    Generator.Result stopped = Generator.generate(model, PROMPTS, both, m);
    for (int r = 0; r < PROMPTS.size(); r++) {
      int expected = 6; // the free run's tokens up to and including its first stop token
      for (int t = 0; t < 6; t++) {
        if (stops.contains(free.tokens()[r][t])) {
          expected = t + 1;
          break;
        }
      }
      assertEquals(expected, stopped.lengths()[r], "row " + r);
    }
    assertTrue(stopped.lengths()[1] < 6, "row 1 stops at the second id");
    Generator.Result onlyA = Generator.generate(model, PROMPTS, SamplingConfig.greedy(6, a, 36), m);
    assertTrue(java.util.Arrays.stream(onlyA.lengths()).sum() > java.util.Arrays.stream(stopped.lengths()).sum(),
        "the second id stops rows the first alone does not");
  }

  @Test
  void samplingFollowsTheSeed() {
    DecoderLM model = model(TinyModels.gpt2());
    Generator.Result a = Generator.generate(model, PROMPTS, SamplingConfig.sample(10, 1.5, 0, 1.0, 1, -1, 0), m);
    Generator.Result b = Generator.generate(model, PROMPTS, SamplingConfig.sample(10, 1.5, 0, 1.0, 1, -1, 0), m);
    Generator.Result c = Generator.generate(model, PROMPTS, SamplingConfig.sample(10, 1.5, 0, 1.0, 2, -1, 0), m);
    assertArrayEquals(a.tokens(), b.tokens());
    assertTrue(!java.util.Arrays.deepEquals(a.tokens(), c.tokens()), "another seed, other tokens");
  }
}
