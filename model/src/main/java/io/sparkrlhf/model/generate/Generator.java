package io.sparkrlhf.model.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.sparkrlhf.model.transformer.DecoderLM;
import io.sparkrlhf.model.transformer.KvCache;
import java.util.ArrayList;
import java.util.List;

/**
 * Batched generation for PPO rollouts and best-of-n: prompts are left-padded into one batch, the
 * prompt runs once, then one token per step with the KV cache (or, for comparison, recomputing the
 * whole sequence). Each row stops at EOS; rows that stopped get the pad token and log-prob 0.
 */
public final class Generator {
  private Generator() {}

  /**
   * @param tokens (B, maxNewTokens), padded after a row stops
   * @param logprobs log p(token) under softmax(logits / temperature) of the sampling model
   * @param lengths generated tokens per row, EOS included
   */
  public record Result(int[][] tokens, float[][] logprobs, int[] lengths) {}

  public static Result generate(DecoderLM model, List<int[]> prompts, SamplingConfig config, NDManager parent) {
    long[] seeds = new long[prompts.size()];
    int[] limits = new int[prompts.size()];
    for (int r = 0; r < seeds.length; r++) {
      seeds[r] = config.seed() * 1_000_003L + r;
      limits[r] = config.maxNewTokens();
    }
    return generate(model, prompts, config, seeds, limits, parent);
  }

  /**
   * As {@link #generate(DecoderLM, List, SamplingConfig, NDManager)}, with each row's sampling seed
   * and its own limit of new tokens (at most {@code config.maxNewTokens()}): a row's tokens then
   * depend on its prompt and seed, not on which rows share its batch (PPO's length sampler and
   * retried rollouts need that). Rows past their limit are padded like stopped rows.
   */
  public static Result generate(DecoderLM model, List<int[]> prompts, SamplingConfig config, long[] rowSeeds,
      int[] rowMaxNewTokens, NDManager parent) {
    int b = prompts.size();
    if (rowSeeds.length != b || rowMaxNewTokens.length != b) {
      throw new IllegalArgumentException(b + " prompts but " + rowSeeds.length + " seeds and " + rowMaxNewTokens.length
          + " length limits");
    }
    for (int limit : rowMaxNewTokens) {
      if (limit < 1 || limit > config.maxNewTokens()) {
        throw new IllegalArgumentException("a row's limit of new tokens must be in 1.." + config.maxNewTokens()
            + ", found " + limit);
      }
    }
    int promptLength = prompts.stream().mapToInt(p -> p.length).max().orElseThrow();
    int vocab = model.config().vocabSize();
    int total = promptLength + config.maxNewTokens();
    long[] ids = new long[b * total];
    long[] mask = new long[b * total];
    for (int r = 0; r < b; r++) {
      int[] p = prompts.get(r);
      if (p.length == 0) {
        throw new IllegalArgumentException("prompt " + r + " is empty");
      }
      int offset = promptLength - p.length; // left padding
      for (int i = 0; i < promptLength; i++) {
        ids[r * total + i] = i < offset ? config.padTokenId() : p[i - offset];
        mask[r * total + i] = i < offset ? 0 : 1;
      }
    }
    List<TokenSampler> samplers = new ArrayList<>();
    for (int r = 0; r < b; r++) {
      samplers.add(new TokenSampler(config, rowSeeds[r]));
    }
    int[][] tokens = new int[b][config.maxNewTokens()];
    float[][] logprobs = new float[b][config.maxNewTokens()];
    int[] lengths = new int[b];
    boolean[] done = new boolean[b];
    ParameterStore ps = new ParameterStore(parent, false);
    try (NDManager gen = parent.newSubManager()) {
      KvCache cache = null;
      int known = promptLength; // positions whose tokens are fixed
      for (int step = 0; step < config.maxNewTokens(); step++) {
        float[] last;
        try (NDManager scope = gen.newSubManager()) {
          int from = config.useCache() && cache != null ? known - 1 : 0;
          NDArray stepIds = slice(scope, ids, b, total, from, known);
          NDArray stepMask = slice(scope, mask, b, total, 0, known);
          DecoderLM.Output out = model.forwardHidden(ps, stepIds, stepMask, null, config.useCache() ? cache : null,
              false);
          // Only the last position is sampled from: project it alone, not the whole prompt (B, T, V).
          last = model.logits(ps, out.hidden().get(new NDIndex(":, -1:, :")), false).toFloatArray(); // (B, 1, V)
          if (config.useCache()) {
            for (NDArray kv : out.cache().keys()) {
              kv.attach(gen);
            }
            for (NDArray kv : out.cache().values()) {
              kv.attach(gen);
            }
            if (cache != null) {
              cache.keys().forEach(NDArray::close);
              cache.values().forEach(NDArray::close);
            }
            cache = out.cache();
          }
        }
        boolean allDone = true;
        for (int r = 0; r < b; r++) {
          int token = config.padTokenId();
          if (!done[r]) {
            long[] pick = samplers.get(r).pick(last, r * vocab, vocab, step >= config.minNewTokens());
            token = (int) pick[0];
            logprobs[r][step] = (float) Double.longBitsToDouble(pick[1]);
            lengths[r]++;
            done[r] = config.isEos(token) || lengths[r] >= rowMaxNewTokens[r];
          }
          tokens[r][step] = token;
          ids[r * total + known] = token;
          mask[r * total + known] = 1;
          allDone &= done[r];
        }
        known++;
        if (allDone) {
          for (int r = 0; r < b; r++) {
            java.util.Arrays.fill(tokens[r], step + 1, config.maxNewTokens(), config.padTokenId());
          }
          break;
        }
      }
    }
    return new Result(tokens, logprobs, lengths);
  }

  /** Columns [from, to) of a row-major (rows × stride) matrix as a (rows, to − from) int64 array. */
  private static NDArray slice(NDManager m, long[] matrix, int rows, int stride, int from, int to) {
    long[] out = new long[rows * (to - from)];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(matrix, r * stride + from, out, r * (to - from), to - from);
    }
    return m.create(out, new Shape(rows, to - from));
  }
}
