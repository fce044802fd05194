package io.sparkrlhf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkrlhf.model.checkpoint.DType;
import io.sparkrlhf.model.hub.HfModelDirectory;
import io.sparkrlhf.model.tokenizer.TinyTokenizerJson;
import io.sparkrlhf.model.transformer.DecoderLM;
import io.sparkrlhf.model.transformer.HfParameter;
import io.sparkrlhf.model.transformer.HfWeights;
import io.sparkrlhf.model.transformer.LoraConfig;
import io.sparkrlhf.model.transformer.PeftAdapter;
import io.sparkrlhf.model.transformer.TinyModels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** merge-adapter writes the model PEFT's merge_and_unload would: same logits as base + adapter. */
class MergeAdapterCommandTest {
  private static final int[][] IDS = {{3, 7, 1, 9, 4, 11}, {5, 2, 8, 8, 6, 0}};
  private static final int[][] MASK = {{1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1}};
  @TempDir Path dir;

  @Test
  void mergedLogitsEqualBasePlusAdapterAndTheFilesAreAPlainHfDirectory() throws Exception {
    Path base = dir.resolve("base");
    Path adapter = dir.resolve("adapter");
    Path merged = dir.resolve("merged");
    float[] baseLogits;
    float[] adaptedLogits;
    try (NDManager m = NDManager.newBaseManager()) {
      DecoderLM model = TinyModels.create(TinyModels.llama(), m, DataType.FLOAT32, 21);
      HfModelDirectory.save(model, base, DType.F32, Long.MAX_VALUE, null);
      Files.write(base.resolve("tokenizer.json"), TinyTokenizerJson.json());
      baseLogits = logits(model, m);
      LoraConfig lora = new LoraConfig(4, 8, 0, Set.of("q_proj", "v_proj", "down_proj"));
      model.enableLora(lora, m, DataType.FLOAT32, 1);
      Random rnd = new Random(2);
      for (HfParameter p : model.loraParameters()) {
        if (p.name().contains("lora_B")) { // as training would leave them; PEFT starts B at zero
          float[] v = new float[(int) p.parameter().getShape().size()];
          for (int i = 0; i < v.length; i++) {
            v[i] = 0.2f * (float) rnd.nextGaussian();
          }
          HfWeights.assign(p, v);
        }
      }
      adaptedLogits = logits(model, m); // the unmerged model, adapters on
      Files.createDirectories(adapter);
      PeftAdapter.save(model, lora, adapter, base.toString());
    }
    assertTrue(maxDiff(baseLogits, adaptedLogits) > 1e-2, "the adapter changes the model");

    assertEquals(0, RlhfCli.execute("merge-adapter", "-a", adapter.toString(), "-o", merged.toString()));

    try (NDManager m = NDManager.newBaseManager()) {
      DecoderLM loaded = HfModelDirectory.load(merged, m, DataType.FLOAT32).model();
      float diff = maxDiff(adaptedLogits, logits(loaded, m));
      assertTrue(diff < 1e-4, "merged vs base+adapter: max |Δlogit| = " + diff);
    }
    Set<String> written = safetensorsNames(merged.resolve("model.safetensors"));
    assertEquals(safetensorsNames(base.resolve("model.safetensors")), written, "the base's tensor names, no more");
    assertFalse(written.stream().anyMatch(n -> n.contains("lora")), written.toString());
    JsonNode config = new ObjectMapper().readTree(merged.resolve("config.json").toFile());
    assertEquals("llama", config.path("model_type").asText());
    assertTrue(Files.isRegularFile(merged.resolve("tokenizer.json")));
    assertFalse(Files.exists(merged.resolve("adapter_config.json")));

    assertEquals(ExitCodes.REFUSED, RlhfCli.execute(new java.io.PrintWriter(new java.io.StringWriter()),
        "merge-adapter", "-a", adapter.toString(), "-o", merged.toString()), "an existing output is refused");
  }

  private static float[] logits(DecoderLM model, NDManager m) {
    return model.forward(new ParameterStore(m, false), TinyModels.longs(m, IDS), TinyModels.longs(m, MASK), null, null,
        false).logits().toFloatArray();
  }

  private static float maxDiff(float[] a, float[] b) {
    float d = 0;
    for (int i = 0; i < a.length; i++) {
      d = Math.max(d, Math.abs(a[i] - b[i]));
    }
    return d;
  }

  /** The header of a safetensors file read by hand: 8-byte little-endian length, then JSON. */
  private static Set<String> safetensorsNames(Path file) throws Exception {
    byte[] bytes = Files.readAllBytes(file);
    long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    JsonNode header = new ObjectMapper().readTree(new String(bytes, 8, (int) n, StandardCharsets.UTF_8));
    Set<String> names = new TreeSet<>();
    header.fieldNames().forEachRemaining(names::add);
    names.remove("__metadata__");
    return names;
  }
}
