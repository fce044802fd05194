package io.sparkrlhf.jobs.train;

import io.sparkrlhf.model.tokenizer.HfJsonTokenizer;
import io.sparkrlhf.model.tokenizer.TokenizerFingerprint;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The tokenizer a model directory speaks: its {@code tokenizer.json} (what transformers would use),
 * else the {@link TokenizerIdentity#FILE} a checkpoint of ours records. A PEFT adapter's own
 * directory is looked at before its base's.
 */
public final class ModelTokenizer {
  private ModelTokenizer() {}

  /** Empty for a fresh model and for a directory that says nothing about its tokenizer. */
  public static Optional<TokenizerIdentity> identify(ModelSpec model, Configuration conf) {
    List<String> dirs = new ArrayList<>();
    if (model.mergeAdapterPath() != null) {
      dirs.add(model.mergeAdapterPath());
    }
    if (model.basePath() != null) {
      dirs.add(model.basePath());
    }
    for (String dir : dirs) {
      try {
        Path json = new Path(dir, "tokenizer.json");
        FileSystem fs = json.getFileSystem(conf);
        if (fs.exists(json)) {
          byte[] bytes = read(fs, json);
          int vocab = HfJsonTokenizer.vocabulary(bytes, json.toString()).values().stream()
              .mapToInt(Integer::intValue).max().orElse(-1) + 1;
          return Optional.of(new TokenizerIdentity(json.toString(), vocab,
              TokenizerFingerprint.ofTokenizerJson(bytes, json.toString())));
        }
        Path recorded = new Path(dir, TokenizerIdentity.FILE);
        if (fs.exists(recorded)) {
          return Optional.of(TokenizerIdentity.read(read(fs, recorded), recorded.toString()));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the tokenizer of the model in " + dir + ": " + e.getMessage(), e);
      }
    }
    return Optional.empty();
  }

  private static byte[] read(FileSystem fs, Path file) throws IOException {
    try (InputStream in = fs.open(file)) {
      return in.readAllBytes();
    }
  }
}
