package io.sparkrlhf.model.generate;

/**
 * How to pick each new token. {@code greedy} takes the argmax; otherwise logits are divided by
 * {@code temperature}, cut to the {@code topK} most likely (0 = all) and to the smallest set whose
 * probability reaches {@code topP} (1 = all), and sampled with a seeded RNG. EOS is forbidden
 * before {@code minNewTokens}; a row stops at EOS or after {@code maxNewTokens}.
 */
public record SamplingConfig(
    int maxNewTokens, int minNewTokens, boolean greedy, double temperature, int topK, double topP, long seed,
    int eosTokenId, int padTokenId, boolean useCache, int[] eosTokenIds) {

  /** One EOS id; a row stops at it. */
  public SamplingConfig(int maxNewTokens, int minNewTokens, boolean greedy, double temperature, int topK, double topP,
      long seed, int eosTokenId, int padTokenId, boolean useCache) {
    this(maxNewTokens, minNewTokens, greedy, temperature, topK, topP, seed, eosTokenId, padTokenId, useCache,
        new int[] {eosTokenId});
  }

  public SamplingConfig {
    eosTokenIds = eosTokenIds == null || eosTokenIds.length == 0 ? new int[] {eosTokenId} : eosTokenIds.clone();
    if (maxNewTokens < 1 || minNewTokens < 0 || minNewTokens > maxNewTokens) {
      throw new IllegalArgumentException("need 0 <= min-new-tokens (" + minNewTokens + ") <= max-new-tokens ("
          + maxNewTokens + "), max >= 1");
    }
    if (!(temperature > 0)) {
      throw new IllegalArgumentException("temperature must be > 0, found " + temperature);
    }
    if (topK < 0 || !(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("need top-k >= 0 and 0 < top-p <= 1, found " + topK + ", " + topP);
    }
  }

  public static SamplingConfig greedy(int maxNewTokens, int eos, int pad) {
    return new SamplingConfig(maxNewTokens, 0, true, 1.0, 0, 1.0, 0, eos, pad, true);
  }

  public static SamplingConfig sample(int maxNewTokens, double temperature, int topK, double topP, long seed, int eos, int pad) {
    return new SamplingConfig(maxNewTokens, 0, false, temperature, topK, topP, seed, eos, pad, true);
  }

  public SamplingConfig withMinNewTokens(int min) {
    return new SamplingConfig(maxNewTokens, min, greedy, temperature, topK, topP, seed, eosTokenId, padTokenId, useCache,
        eosTokenIds);
  }

  public SamplingConfig withCache(boolean cache) {
    return new SamplingConfig(maxNewTokens, minNewTokens, greedy, temperature, topK, topP, seed, eosTokenId, padTokenId, cache,
        eosTokenIds);
  }

  /**
   * Rows stop at any of {@code ids} (Llama 3 ends turns with {@code <|eot_id|>} as well as
   * {@code <|end_of_text|>}); the first is the one reported as {@link #eosTokenId}.
   */
  public SamplingConfig withEosTokenIds(int... ids) {
    if (ids.length == 0) {
      throw new IllegalArgumentException("at least one EOS id is needed");
    }
    return new SamplingConfig(maxNewTokens, minNewTokens, greedy, temperature, topK, topP, seed, ids[0], padTokenId,
        useCache, ids.clone());
  }

  /** Whether {@code token} ends a row. */
  public boolean isEos(int token) {
    for (int id : eosTokenIds) {
      if (id == token) {
        return true;
      }
    }
    return false;
  }
}
