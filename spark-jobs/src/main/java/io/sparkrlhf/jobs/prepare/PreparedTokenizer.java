package io.sparkrlhf.jobs.prepare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkrlhf.model.hub.HfModelDirectory;
import io.sparkrlhf.model.tokenizer.TextTokenizer;
import io.sparkrlhf.model.tokenizer.TokenizerSpec;
import io.sparkrlhf.storage.GenerationCommitter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The tokenizer's part of a prepared generation: its identity in the manifest (name, vocabulary
 * size, special ids, fingerprint), and a copy of its files, so that training can check a model
 * against it and checkpoints can carry it even after the original files changed or went away.
 */
final class PreparedTokenizer {
  /** The generation's folder holding the tokenizer files. */
  static final String DIR = "tokenizer";
  private static final ObjectMapper JSON = new ObjectMapper();

  private PreparedTokenizer() {}

  /**
   * Copies {@code tokenizer.json} (the bytes the tables are made with) and the files beside it into
   * the generation; nothing for the built-in GPT-2 BPE, which has no file.
   *
   * @return the folder relative to the generation, or empty when there is nothing to copy
   */
  static Optional<String> writeFiles(TokenizerSpec spec, GenerationCommitter.Generation generation, Configuration conf) {
    Optional<byte[]> json = spec.tokenizerJson();
    if (json.isEmpty()) {
      return Optional.empty();
    }
    Path target = new Path(generation.child(DIR));
    try {
      FileSystem out = target.getFileSystem(conf);
      write(out, new Path(target, "tokenizer.json"), json.get());
      Path sourceDir = new Path(spec.source()).getParent();
      FileSystem in = sourceDir.getFileSystem(conf);
      for (String name : HfModelDirectory.TOKENIZER_FILES) {
        Path side = new Path(sourceDir, name);
        if (!name.equals("tokenizer.json") && in.exists(side)) {
          try (InputStream s = in.open(side)) {
            write(out, new Path(target, name), s.readAllBytes());
          }
        }
      }
      return Optional.of(DIR);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy the tokenizer files of " + spec.source() + " to " + target + ": "
          + e.getMessage(), e);
    }
  }

  /** The manifest's {@code tokenizer} section; {@code files} as {@link #writeFiles} returned it. */
  static ObjectNode manifestSection(TokenizerSpec spec, Optional<String> files) {
    TextTokenizer tok = spec.load();
    ObjectNode t = JSON.createObjectNode();
    t.put("name", tok.name());
    t.put("digest", spec.digest());
    t.put("fingerprint", spec.fingerprint());
    t.put("eos_token_id", tok.eosTokenId());
    tok.bosTokenId().ifPresent(bos -> t.put("bos_token_id", bos));
    t.put("vocab_size", tok.vocabSize());
    files.ifPresent(f -> t.put("files", f));
    return t;
  }

  private static void write(FileSystem fs, Path file, byte[] bytes) throws IOException {
    try (OutputStream o = fs.create(file, false)) {
      o.write(bytes);
    }
  }
}
