package io.sparkrlhf.model.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import io.sparkrlhf.model.checkpoint.DType;
import io.sparkrlhf.model.generate.SamplingConfig;
import io.sparkrlhf.model.tokenizer.TinyTokenizerJson;
import io.sparkrlhf.model.transformer.DecoderLM;
import io.sparkrlhf.model.transformer.TinyModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfModelDirectoryTest {
  private final NDManager m = NDManager.newBaseManager();
  @TempDir Path dir;

  @AfterEach
  void close() {
    m.close();
  }

  private float[] logits(DecoderLM model) {
    return model.forward(new ParameterStore(m, false), TinyModels.longs(m, new int[][] {{1, 2, 3}}),
        TinyModels.longs(m, new int[][] {{1, 1, 1}}), null, null, false).logits().toFloatArray();
  }

  @Test
  void savesAndLoadsADirectoryWithTokenizerAndGenerationConfig() throws Exception {
    Path tok = Files.createDirectories(dir.resolve("tok"));
    Files.write(tok.resolve("tokenizer.json"), TinyTokenizerJson.json());
    Files.writeString(tok.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\"}");
    DecoderLM model = TinyModels.create(TinyModels.llama(), m, DataType.FLOAT32, 51);
    Path out = dir.resolve("model");
    HfModelDirectory.save(model, out, DType.F32, 8 * 1024, tok); // small shards
    assertTrue(Files.exists(out.resolve("model.safetensors.index.json")));
    assertTrue(Files.exists(out.resolve("tokenizer.json")) && Files.exists(out.resolve("config.json")));

    HfModelDirectory.Loaded loaded = HfModelDirectory.load(out, m, DataType.FLOAT32);
    assertArrayEquals(logits(model), logits(loaded.model()), 0f);
    assertEquals(TinyTokenizerJson.vocab().get("</s>"), loaded.tokenizer().orElseThrow().load().eosTokenId());
    assertEquals(2, loaded.generation().eosTokenId());
    SamplingConfig s = loaded.generation().sampling(7, -1);
    assertTrue(s.greedy());
    assertEquals(2, s.eosTokenId());
  }

  @Test
  void generationConfigSamplingKeysAndEosLists() throws Exception {
    Files.writeString(dir.resolve("generation_config.json"),
        "{\"do_sample\": true, \"temperature\": 0.6, \"top_p\": 0.9, \"top_k\": 0, \"eos_token_id\": [128001, 128009]}");
    GenerationDefaults g = GenerationDefaults.read(dir);
    SamplingConfig s = g.sampling(3, 0);
    assertFalse(s.greedy());
    assertEquals(0.6, s.temperature());
    assertEquals(128001, s.eosTokenId());
    assertEquals(128001, s.padTokenId());
  }

  @Test
  void aDirectoryWithoutConfigIsAClearError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HfModelDirectory.load(dir, m, DataType.FLOAT32));
    assertTrue(e.getMessage().contains("no config.json"), e.getMessage());
  }
}
