package io.sparkrlhf.jobs.train;

import io.sparkrlhf.datasets.io.PreparedDataset;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prepared data is trained on, or prompted from, only by a model that speaks its tokenizer: the
 * same ids under another tokenizer mean other tokens, and nothing downstream would notice. Checked
 * on the driver before anything is written. Data prepared before fingerprints were recorded, and a
 * model directory that carries no tokenizer, cannot be checked: a warning says so, and only the
 * vocabulary size is checked ({@link ModelChoice#checkFits}).
 */
public final class TokenizerCheck {
  private static final Logger LOG = LoggerFactory.getLogger(TokenizerCheck.class);

  private TokenizerCheck() {}

  /** @param dataRoot the prepared root as the user gave it, for messages */
  public static void requireSame(PreparedDataset data, String dataRoot, ModelSpec model, Configuration conf) {
    if (model.basePath() == null) {
      return; // a fresh model is built for the data's vocabulary
    }
    TokenizerIdentity prepared = TokenizerIdentity.of(data.manifest().path("tokenizer"));
    if (!prepared.fingerprinted()) {
      LOG.warn("the prepared data at {} records no tokenizer fingerprint (prepared by an older version): cannot check "
          + "that the model {} speaks its tokenizer {}; only the vocabulary size is checked. Prepare it again to have "
          + "it checked", dataRoot, model.describeBase(), prepared.name());
      return;
    }
    Optional<TokenizerIdentity> speaks = ModelTokenizer.identify(model, conf);
    if (speaks.isEmpty()) {
      LOG.warn("the model {} carries neither tokenizer.json nor {}: cannot check that it speaks {} of the data at {}; "
          + "only the vocabulary size is checked", model.describeBase(), TokenizerIdentity.FILE, prepared.describe(),
          dataRoot);
      return;
    }
    if (prepared.differsFrom(speaks.get())) {
      throw new IllegalArgumentException("the prepared data at " + dataRoot + " was tokenised with "
          + prepared.describe() + ", but the model " + model.describeBase() + " speaks " + speaks.get().describe()
          + ": its ids would mean other tokens to the model. Prepare the data with the model's tokenizer, or start "
          + "from a model of the data's tokenizer");
    }
  }
}
