package io.sparkrlhf.jobs.generate;

import ai.djl.ndarray.NDManager;
import io.sparkrlhf.model.generate.Generator;
import io.sparkrlhf.model.generate.SamplingConfig;
import io.sparkrlhf.model.tokenizer.TextTokenizer;
import io.sparkrlhf.model.transformer.DecoderLM;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completes prompts on this machine with the KV-cache {@link Generator}, {@code batchSize} at a
 * time. Prompts of similar length are batched together (less left padding); each row samples with
 * the seed of its place in the input, so a completion depends on its prompt and the seed, not on the
 * batch size or its neighbours (up to float rounding).
 */
public final class TextGeneration {
  private static final Logger LOG = LoggerFactory.getLogger(TextGeneration.class);

  private TextGeneration() {}

  /** The seed of the prompt at {@code index}: the one {@link Generator} gives row {@code index} of one batch. */
  public static long rowSeed(long seed, int index) {
    return seed * 1_000_003L + index;
  }

  /** Completions in the prompts' order. */
  public static List<Completion> run(DecoderLM model, TextTokenizer tokenizer, List<Prompt> prompts,
      SamplingConfig sampling, int batchSize, NDManager manager) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("--batch-size must be at least 1, found " + batchSize);
    }
    List<Prompt> byLength = new ArrayList<>(prompts);
    byLength.sort(Comparator.comparingInt((Prompt p) -> p.ids().length).reversed()); // the largest batch first
    Completion[] out = new Completion[prompts.size()];
    long started = System.nanoTime();
    long newTokens = 0;
    for (int from = 0; from < byLength.size(); from += batchSize) {
      List<Prompt> batch = byLength.subList(from, Math.min(byLength.size(), from + batchSize));
      long[] seeds = new long[batch.size()];
      int[] limits = new int[batch.size()];
      List<int[]> ids = new ArrayList<>();
      for (int r = 0; r < batch.size(); r++) {
        seeds[r] = rowSeed(sampling.seed(), batch.get(r).index());
        limits[r] = sampling.maxNewTokens();
        ids.add(batch.get(r).ids());
      }
      Generator.Result g = Generator.generate(model, ids, sampling, seeds, limits, manager);
      for (int r = 0; r < batch.size(); r++) {
        int[] tokens = Arrays.copyOf(g.tokens()[r], g.lengths()[r]);
        boolean stopped = tokens.length > 0 && sampling.isEos(tokens[tokens.length - 1]);
        String text = tokenizer.decode(stopped ? Arrays.copyOf(tokens, tokens.length - 1) : tokens);
        Prompt p = batch.get(r);
        out[p.index()] = new Completion(p, text, tokens, stopped ? "stop" : "length");
        newTokens += tokens.length;
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      LOG.info("generate: {}/{} prompts, {} new tokens, {} tokens/s", from + batch.size(), prompts.size(), newTokens,
          String.format("%.1f", newTokens / Math.max(seconds, 1e-9)));
    }
    return Arrays.asList(out);
  }
}
