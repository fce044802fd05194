package io.sparkrlhf.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.sparkrlhf.model.config.ModelConfig;
import io.sparkrlhf.model.generate.Generator;
import io.sparkrlhf.model.generate.SamplingConfig;
import io.sparkrlhf.model.loss.Losses;
import io.sparkrlhf.model.train.Autograd;
import io.sparkrlhf.model.train.Trainables;
import io.sparkrlhf.model.transformer.DecoderLM;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The model's CPU speed, in one run:
 * <ol>
 *   <li>ceiling: GFLOP/s of one large float32 matmul (n = 2048) in the same libtorch;
 *   <li>forward+backward of a ~20M-parameter llama config, seq 256, batch 8: tokens/s and matmul
 *       FLOP/s (6·params·tokens for the linear layers incl. the head, plus 3·4·B·T²·H per layer for
 *       attention) as a fraction of the ceiling;
 *   <li>generation, batch 8, 128 new tokens, with and without the KV cache; per-token time of the
 *       second and fourth quarter of the tokens shows whether it stays flat; then with the cache at
 *       batch 1 and 16.
 * </ol>
 * Usage: {@code bench/model-benchmark.sh [train|profile]} ({@code train}: the ceiling and
 * forward+backward only; {@code profile}: libtorch's profiler over three forward+backward steps,
 * self time by operator, and nothing else).
 */
public final class ModelBenchmark {
  public static void main(String[] args) {
    ModelConfig config = new ModelConfig(ModelConfig.Family.LLAMA, "llama", 12000, 384, 6, 6, 6, 1024, 2048, 1e-6,
        10000, false, false, 1, 2, 0);
    try (NDManager m = NDManager.newBaseManager()) {
      double ceiling = matmulGflops(m, 2048);
      System.out.printf("ceiling: float32 matmul 2048^3: %.1f GFLOP/s%n", ceiling);

      DecoderLM model = new DecoderLM(config);
      model.initialize(m, DataType.FLOAT32, new Shape(1, 1));
      Trainables all = Trainables.of(model.hfParameters(), p -> true);
      long embedding = (long) config.vocabSize() * config.hiddenSize();
      long matmulParams = all.size() - embedding; // the lookup table does no multiply-adds
      System.out.printf("model: %.1f M parameters (%.1f M in matmuls)%n", all.size() / 1e6, matmulParams / 1e6);

      int batch = 8;
      int seq = 256;
      long[] ids = new long[batch * seq];
      Random rnd = new Random(1);
      for (int i = 0; i < ids.length; i++) {
        ids[i] = rnd.nextInt(config.vocabSize());
      }
      for (int i = 0; i < 2; i++) {
        step(model, all, m, ids, batch, seq); // warm-up
      }
      if (args.length > 0 && args[0].equals("profile")) {
        OperatorProfile.print(() -> {
          for (int i = 0; i < 3; i++) {
            step(model, all, m, ids, batch, seq);
          }
        }, 3);
        return;
      }
      int steps = 5;
      long t0 = System.nanoTime();
      for (int i = 0; i < steps; i++) {
        step(model, all, m, ids, batch, seq);
      }
      double seconds = (System.nanoTime() - t0) / 1e9 / steps;
      double tokens = batch * seq;
      double flops = 6.0 * matmulParams * tokens
          + 3.0 * 4 * batch * (double) seq * seq * config.hiddenSize() * config.numLayers();
      double gflops = flops / seconds / 1e9;
      System.out.printf("forward+backward: %.3f s/step, %.0f tokens/s, %.1f GFLOP/s = %.0f%% of the matmul ceiling%n",
          seconds, tokens / seconds, gflops, 100 * gflops / ceiling);
      if (args.length > 0 && args[0].equals("train")) {
        return;
      }

      // Where the time goes: the forward pass alone, and the vocabulary-sized head + loss alone.
      long t1 = System.nanoTime();
      for (int i = 0; i < steps; i++) {
        try (NDManager s = m.newSubManager()) {
          NDArray x = s.create(ids, new Shape(batch, seq));
          NDArray mask = s.ones(new Shape(batch, seq), DataType.INT64);
          NDArray logits = model.forward(new ParameterStore(s, false), x, mask, null, null, false).logits();
          Losses.causalLm(logits, x, mask, null).mean().getFloat();
        }
      }
      double forward = (System.nanoTime() - t1) / 1e9 / steps;
      long t2 = System.nanoTime();
      for (int i = 0; i < steps; i++) {
        try (NDManager s = m.newSubManager()) {
          NDArray hidden = s.randomNormal(new Shape(batch, seq, config.hiddenSize()));
          NDArray head = s.randomNormal(new Shape(config.vocabSize(), config.hiddenSize()));
          NDArray x = s.create(ids, new Shape(batch, seq));
          NDArray logits = hidden.getNDArrayInternal().linear(hidden, head, null).singletonOrThrow();
          Losses.causalLm(logits, x, s.ones(new Shape(batch, seq), DataType.INT64), null).mean().getFloat();
        }
      }
      double headAndLoss = (System.nanoTime() - t2) / 1e9 / steps;
      double headFlops = 2.0 * config.hiddenSize() * config.vocabSize() * tokens;
      System.out.printf("breakdown: forward alone %.3f s (%.0f%% of the step); LM head + loss forward %.3f s at %.1f GFLOP/s%n",
          forward, 100 * forward / seconds, headAndLoss, headFlops / headAndLoss / 1e9);

      List<int[]> prompts = new ArrayList<>();
      for (int r = 0; r < batch; r++) {
        int[] p = new int[16];
        for (int i = 0; i < p.length; i++) {
          p[i] = 3 + rnd.nextInt(config.vocabSize() - 3);
        }
        prompts.add(p);
      }
      for (boolean cache : new boolean[] {true, false}) {
        SamplingConfig greedy = SamplingConfig.greedy(128, -1, 0).withCache(cache);
        Generator.generate(model, prompts, SamplingConfig.greedy(8, -1, 0).withCache(cache), m); // warm-up
        double t32 = time(() -> Generator.generate(model, prompts, SamplingConfig.greedy(32, -1, 0).withCache(cache), m));
        double t64 = time(() -> Generator.generate(model, prompts, SamplingConfig.greedy(64, -1, 0).withCache(cache), m));
        double t96 = time(() -> Generator.generate(model, prompts, SamplingConfig.greedy(96, -1, 0).withCache(cache), m));
        double t128 = time(() -> Generator.generate(model, prompts, greedy, m));
        System.out.printf("generation %s cache: %.1f s for 128 tokens x %d rows = %.0f tokens/s;"
                + " ms/token: tokens 33-64 %.1f, tokens 97-128 %.1f%n",
            cache ? "with" : "without", t128, batch, 128.0 * batch / t128, (t64 - t32) / 32 * 1000, (t128 - t96) / 32 * 1000);
      }
      for (int rows : new int[] {1, 16}) {
        List<int[]> some = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
          some.add(prompts.get(r % prompts.size()));
        }
        Generator.generate(model, some, SamplingConfig.greedy(8, -1, 0).withCache(true), m); // warm-up
        double t = time(() -> Generator.generate(model, some, SamplingConfig.greedy(128, -1, 0).withCache(true), m));
        System.out.printf("generation with cache, batch %d: %.1f s for 128 tokens = %.0f tokens/s%n", rows, t, 128.0 * rows / t);
      }
    }
  }

  private static void step(DecoderLM model, Trainables all, NDManager m, long[] ids, int batch, int seq) {
    Autograd.record(gc -> {
      all.zeroGradients();
      try (NDManager s = m.newSubManager()) {
        NDArray x = s.create(ids, new Shape(batch, seq));
        NDArray mask = s.ones(new Shape(batch, seq), DataType.INT64);
        NDArray logits = model.forward(new ParameterStore(s, false), x, mask, null, null, true).logits();
        gc.backward(Losses.causalLm(logits, x, mask, null).mean());
      }
      return null;
    });
  }

  private static double matmulGflops(NDManager m, int n) {
    try (NDManager s = m.newSubManager()) {
      NDArray a = s.randomNormal(new Shape(n, n));
      NDArray b = s.randomNormal(new Shape(n, n));
      a.matMul(b).close(); // warm-up
      int reps = 5;
      long t0 = System.nanoTime();
      for (int i = 0; i < reps; i++) {
        a.matMul(b).close();
      }
      double seconds = (System.nanoTime() - t0) / 1e9 / reps;
      return 2.0 * n * n * n / seconds / 1e9;
    }
  }

  private static double time(Runnable r) {
    long t0 = System.nanoTime();
    r.run();
    return (System.nanoTime() - t0) / 1e9;
  }
}
