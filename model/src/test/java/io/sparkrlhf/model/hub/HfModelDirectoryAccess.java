package io.sparkrlhf.model.hub;

import io.sparkrlhf.model.tokenizer.TokenizerSpec;
import java.nio.file.Path;

/** Test access to the package-private tokenizer lookup of {@link HfModelDirectory}. */
public final class HfModelDirectoryAccess {
  private HfModelDirectoryAccess() {}

  public static TokenizerSpec tokenizer(Path dir) throws Exception {
    return HfModelDirectory.tokenizer(dir).orElseThrow();
  }
}
