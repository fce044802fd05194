package io.sparkrlhf.model.hub;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkrlhf.model.checkpoint.CheckpointTensors;
import io.sparkrlhf.model.checkpoint.CheckpointWriter;
import io.sparkrlhf.model.checkpoint.DType;
import io.sparkrlhf.model.config.ModelConfig;
import io.sparkrlhf.model.tokenizer.HfJsonTokenizer;
import io.sparkrlhf.model.tokenizer.SpecialTokenIds;
import io.sparkrlhf.model.tokenizer.SpecialTokens;
import io.sparkrlhf.model.tokenizer.TokenizerSpec;
import io.sparkrlhf.model.transformer.DecoderLM;
import io.sparkrlhf.model.transformer.HfWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Hugging Face model directory as transformers and vLLM read and write it: {@code config.json},
 * {@code model.safetensors} (or shards with an index), {@code generation_config.json} and the
 * tokenizer files ({@code tokenizer.json}, {@code tokenizer_config.json},
 * {@code special_tokens_map.json}).
 */
public final class HfModelDirectory {
  public static final List<String> TOKENIZER_FILES =
      List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json");

  private HfModelDirectory() {}

  /**
   * A loaded model with what the directory says about tokenising and generating.
   *
   * @param specialTokens BOS/EOS/PAD ids from all of the directory's files (every EOS id
   *     generation should stop on); empty when the directory names no EOS at all
   */
  public record Loaded(DecoderLM model, Optional<TokenizerSpec> tokenizer, GenerationDefaults generation,
      Optional<SpecialTokenIds> specialTokens) {}

  public static Loaded load(Path dir, NDManager manager, DataType dtype) throws IOException {
    Path configFile = dir.resolve("config.json");
    if (!Files.isRegularFile(configFile)) {
      throw new IllegalArgumentException("no config.json in " + dir + ": not a Hugging Face model directory");
    }
    ModelConfig config = ModelConfig.fromHfJson(Files.readAllBytes(configFile), configFile.toString());
    DecoderLM model = new DecoderLM(config);
    model.initialize(manager, dtype, new Shape(1, 1));
    try (CheckpointTensors tensors = CheckpointTensors.open(dir)) {
      HfWeights.load(model, tensors);
    }
    return new Loaded(model, tokenizer(dir), GenerationDefaults.read(dir), specialTokens(dir));
  }

  /** BOS/EOS/PAD ids from every file of the directory that names them; empty when no EOS is named. */
  public static Optional<SpecialTokenIds> specialTokens(Path dir) throws IOException {
    SpecialTokenIds.Files files = new SpecialTokenIds.Files(read(dir, "tokenizer.json"),
        read(dir, "tokenizer_config.json"), read(dir, "special_tokens_map.json"), read(dir, GenerationDefaults.FILE),
        read(dir, "config.json"));
    java.util.Map<String, Integer> vocab = files.tokenizerJson() == null ? null
        : HfJsonTokenizer.vocabulary(files.tokenizerJson(), dir.resolve("tokenizer.json").toString());
    boolean anyEos = vocab != null || List.of("generation_config.json", "config.json").stream()
        .anyMatch(n -> Files.isRegularFile(dir.resolve(n)));
    try {
      return anyEos ? Optional.of(SpecialTokenIds.resolve(files, vocab, dir.toString())) : Optional.empty();
    } catch (IllegalArgumentException e) {
      if (e.getMessage().contains("no EOS token")) {
        return Optional.empty();
      }
      throw e;
    }
  }

  private static byte[] read(Path dir, String name) throws IOException {
    Path p = dir.resolve(name);
    return Files.isRegularFile(p) ? Files.readAllBytes(p) : null;
  }

  /**
   * The directory's tokenizer.json, with EOS from tokenizer_config.json or special_tokens_map.json
   * (else the token of config.json's or generation_config.json's first eos_token_id), and the BOS
   * that tokenizer_config.json's add_bos_token or tokenizer.json's post-processor adds.
   */
  static Optional<TokenizerSpec> tokenizer(Path dir) throws IOException {
    Path json = dir.resolve("tokenizer.json");
    if (!Files.isRegularFile(json)) {
      return Optional.empty();
    }
    byte[] jsonBytes = Files.readAllBytes(json);
    String eos = null;
    for (String name : List.of("tokenizer_config.json", "special_tokens_map.json")) {
      Path side = dir.resolve(name);
      if (eos == null && Files.isRegularFile(side)) {
        eos = SpecialTokens.find(Files.readAllBytes(side), "eos_token", side.toString()).orElse(null);
      }
    }
    if (eos == null) {
      Optional<SpecialTokenIds> ids = specialTokens(dir);
      if (ids.isPresent()) {
        int first = ids.get().firstEos();
        eos = HfJsonTokenizer.vocabulary(jsonBytes, json.toString()).entrySet().stream()
            .filter(e -> e.getValue() == first).map(java.util.Map.Entry::getKey).findFirst().orElse(null);
      }
    }
    if (eos == null) {
      throw new IllegalArgumentException(dir + " has tokenizer.json but no eos_token in tokenizer_config.json or"
          + " special_tokens_map.json, nor an eos_token_id in config.json or generation_config.json");
    }
    byte[] config = read(dir, "tokenizer_config.json");
    String bos = SpecialTokens.bosToAdd(config, jsonBytes, dir.resolve("tokenizer_config.json").toString()).orElse(null);
    return Optional.of(TokenizerSpec.huggingFaceJson(jsonBytes, eos, bos, json.toString()));
  }

  /**
   * Writes config.json, the weights (sharded above {@code maxShardBytes}), generation_config.json,
   * and copies the tokenizer files from {@code tokenizerFrom} when given.
   */
  public static void save(DecoderLM model, Path dir, DType dtype, long maxShardBytes, Path tokenizerFrom) throws IOException {
    Files.createDirectories(dir);
    CheckpointWriter.write(dir, "model", HfWeights.tensors(model, dtype), maxShardBytes, Map.of("format", "pt"));
    ModelConfig c = model.config();
    ObjectMapper json = new ObjectMapper();
    var generation = json.createObjectNode();
    if (c.bosTokenId() != null) {
      generation.put("bos_token_id", c.bosTokenId());
    }
    if (c.eosTokenIds().size() > 1) { // Llama 3 Instruct stops on several
      c.eosTokenIds().forEach(generation.putArray("eos_token_id")::add);
    } else if (c.eosTokenId() != null) {
      generation.put("eos_token_id", c.eosTokenId());
    }
    if (c.padTokenId() != null) {
      generation.put("pad_token_id", c.padTokenId());
    }
    Files.write(dir.resolve(GenerationDefaults.FILE), json.writerWithDefaultPrettyPrinter().writeValueAsBytes(generation));
    if (tokenizerFrom != null) {
      for (String name : TOKENIZER_FILES) {
        Path source = tokenizerFrom.resolve(name);
        if (Files.isRegularFile(source)) {
          Files.copy(source, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    Files.write(dir.resolve("config.json"), c.toHfJson()); // last: a directory with config.json is complete
  }
}
