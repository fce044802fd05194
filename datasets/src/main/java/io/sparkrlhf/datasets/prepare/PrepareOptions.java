package io.sparkrlhf.datasets.prepare;

import io.sparkrlhf.model.prompt.PromptTemplate;
import io.sparkrlhf.model.tokenizer.TokenizerSpec;
import java.io.Serializable;

/** Everything the per-question logic and the packer need; shipped to executors in closures. */
public record PrepareOptions(
    PromptTemplate template,
    TokenizerSpec tokenizer,
    int seqLen,
    int maxPromptTokens,
    int maxPairTokens,
    int maxPairsPerQuestion,
    SftSelection sftSelection,
    long seed,
    double evalFraction,
    String splitSalt,
    int maxRowChars,
    long packTokensPerPartition)
    implements Serializable {

  public PrepareOptions {
    require(seqLen >= 2, "seq-len must be >= 2, found " + seqLen);
    require(maxPromptTokens >= 1, "max-prompt-tokens must be >= 1, found " + maxPromptTokens);
    require(maxPairTokens > maxPromptTokens,
        "max-pair-tokens (" + maxPairTokens + ") must exceed max-prompt-tokens (" + maxPromptTokens + ")");
    require(maxPairsPerQuestion >= 1, "max-pairs-per-question must be >= 1, found " + maxPairsPerQuestion);
    require(evalFraction >= 0 && evalFraction < 1, "eval-fraction must be in [0, 1), found " + evalFraction);
    require(maxRowChars >= 1024, "max-row-chars must be >= 1024, found " + maxRowChars);
    require(packTokensPerPartition >= seqLen,
        "pack-tokens-per-partition must be >= seq-len, found " + packTokensPerPartition);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  public EvalSplit split() {
    return new EvalSplit(evalFraction, splitSalt);
  }

  public PairSampler sampler() {
    return new PairSampler(maxPairsPerQuestion, seed);
  }
}
