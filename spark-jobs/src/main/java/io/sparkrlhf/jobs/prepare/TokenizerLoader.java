package io.sparkrlhf.jobs.prepare;

import io.sparkrlhf.model.prompt.ChatTemplate;
import io.sparkrlhf.model.tokenizer.SpecialTokens;
import io.sparkrlhf.model.tokenizer.TokenizerSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads a tokenizer on the driver (local, HDFS or s3a) so executors get its bytes in the closure. The
 * EOS token comes from configuration, else {@code tokenizer_config.json}, else
 * {@code special_tokens_map.json} beside {@code tokenizer.json}; BOS is added when
 * tokenizer_config.json says {@code add_bos_token} (LLaMA 1/2, Mistral) or tokenizer.json's
 * post-processor template starts with it (LLaMA 3).
 */
public final class TokenizerLoader {
  private TokenizerLoader() {}

  public static TokenizerSpec load(String kind, String location, String eosOverride, Configuration conf) {
    if (kind.equals("gpt2")) {
      return TokenizerSpec.gpt2();
    }
    try {
      Path path = new Path(location);
      FileSystem fs = path.getFileSystem(conf);
      if (!fs.exists(path)) {
        throw new IllegalArgumentException("tokenizer path does not exist: " + location);
      }
      Path json = fs.getFileStatus(path).isDirectory() ? new Path(path, "tokenizer.json") : path;
      if (!fs.exists(json)) {
        throw new IllegalArgumentException("no tokenizer.json in " + location);
      }
      String eos = eosOverride;
      for (String name : new String[] {"tokenizer_config.json", "special_tokens_map.json"}) {
        if (!eos.isEmpty()) {
          break;
        }
        Path side = new Path(json.getParent(), name);
        if (fs.exists(side)) {
          Optional<String> found = SpecialTokens.find(read(fs, side), "eos_token", side.toString());
          eos = found.orElse("");
        }
      }
      Path config = new Path(json.getParent(), "tokenizer_config.json");
      byte[] jsonBytes = read(fs, json);
      // add_bos_token (LLaMA 1/2, Mistral) or the post-processor template (LLaMA 3's <|begin_of_text|>)
      String bos = SpecialTokens.bosToAdd(fs.exists(config) ? read(fs, config) : null, jsonBytes, config.toString())
          .orElse(null);
      return TokenizerSpec.huggingFaceJson(jsonBytes, eos, bos, json.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read tokenizer " + location + ": " + e.getMessage(), e);
    }
  }

  /**
   * The chat template of the tokenizer at {@code location}: {@code chat_template} of the
   * tokenizer_config.json beside tokenizer.json, else a {@code chat_template.jinja} file there
   * (newer transformers save it apart), with the config's bos_token and eos_token.
   */
  public static ChatTemplate chatTemplate(String location, Configuration conf) {
    try {
      Path path = new Path(location);
      FileSystem fs = path.getFileSystem(conf);
      Path dir = fs.getFileStatus(path).isDirectory() ? path : path.getParent();
      Path config = new Path(dir, "tokenizer_config.json");
      byte[] configBytes = fs.exists(config) ? read(fs, config) : null;
      if (configBytes != null) {
        Optional<ChatTemplate> inConfig = ChatTemplate.fromTokenizerConfig(configBytes, config.toString());
        if (inConfig.isPresent()) {
          return inConfig.get();
        }
      }
      Path jinja = new Path(dir, "chat_template.jinja");
      if (fs.exists(jinja)) {
        String bos = configBytes == null ? null : SpecialTokens.find(configBytes, "bos_token", config.toString()).orElse(null);
        String eos = configBytes == null ? null : SpecialTokens.find(configBytes, "eos_token", config.toString()).orElse(null);
        return new ChatTemplate(new String(read(fs, jinja), java.nio.charset.StandardCharsets.UTF_8), bos, eos,
            jinja.toString());
      }
      throw new IllegalArgumentException("rlhf.prepare.prompt.format = chat-template, but " + config
          + " has no chat_template and there is no " + jinja + " (a base model has none: use format = template)");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the chat template beside " + location + ": " + e.getMessage(), e);
    }
  }

  private static byte[] read(FileSystem fs, Path p) throws IOException {
    try (InputStream in = fs.open(p)) {
      return in.readAllBytes();
    }
  }
}
