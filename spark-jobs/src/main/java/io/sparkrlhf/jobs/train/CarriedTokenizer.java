package io.sparkrlhf.jobs.train;

import io.sparkrlhf.datasets.io.PreparedDataset;
import java.io.Serializable;

/**
 * The tokenizer a run's checkpoints carry: the one its data was prepared with (checked against the
 * model by {@link TokenizerCheck}), so the next stage and transformers read the same ids. Like
 * {@link ModelSpec}, it holds a path, never filesystem settings.
 *
 * @param filesDir the prepared generation's copy of the tokenizer files; null when the data has
 *     none (the built-in GPT-2 BPE, or data prepared before the files were kept)
 */
public record CarriedTokenizer(TokenizerIdentity identity, String filesDir) implements Serializable {
  public static CarriedTokenizer of(PreparedDataset data) {
    return new CarriedTokenizer(TokenizerIdentity.of(data.manifest().path("tokenizer")),
        data.tokenizerFiles().orElse(null));
  }
}
