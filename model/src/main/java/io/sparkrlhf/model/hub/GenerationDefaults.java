package io.sparkrlhf.model.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkrlhf.model.generate.SamplingConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What a checkpoint's {@code generation_config.json} says about sampling; absent keys keep HF's defaults. */
public record GenerationDefaults(
    Integer eosTokenId, Integer padTokenId, boolean doSample, double temperature, int topK, double topP, int maxNewTokens,
    int[] eosTokenIds) {

  public static final String FILE = "generation_config.json";

  public static GenerationDefaults read(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    JsonNode c = Files.isRegularFile(file) ? new ObjectMapper().readTree(file.toFile()) : new ObjectMapper().createObjectNode();
    JsonNode eos = c.path("eos_token_id");
    Integer eosId = eos.isArray() ? (eos.isEmpty() ? null : eos.get(0).asInt()) : eos.isNumber() ? eos.asInt() : null;
    Integer pad = c.path("pad_token_id").isNumber() ? c.get("pad_token_id").asInt() : null;
    int[] all = eos.isArray() ? new int[eos.size()] : eosId == null ? new int[0] : new int[] {eosId};
    for (int i = 0; eos.isArray() && i < all.length; i++) {
      all[i] = eos.get(i).asInt();
    }
    return new GenerationDefaults(eosId, pad, c.path("do_sample").asBoolean(false), c.path("temperature").asDouble(1.0),
        c.path("top_k").asInt(50), c.path("top_p").asDouble(1.0), c.path("max_new_tokens").asInt(128), all);
  }

  /**
   * Sampling as the checkpoint suggests, with the caller's seed; generation stops at any of the
   * EOS ids it lists; EOS doubles as pad when none is given.
   */
  public SamplingConfig sampling(long seed, int fallbackEos) {
    int eos = eosTokenId == null ? fallbackEos : eosTokenId;
    int pad = padTokenId == null ? eos : padTokenId;
    SamplingConfig c = doSample ? SamplingConfig.sample(maxNewTokens, temperature, topK, topP, seed, eos, pad)
        : SamplingConfig.greedy(maxNewTokens, eos, pad);
    return eosTokenIds == null || eosTokenIds.length == 0 ? c : c.withEosTokenIds(eosTokenIds);
  }
}
