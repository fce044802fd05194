package io.sparkrlhf.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdapterBaseTest {
  @TempDir Path dir;

  @Test
  void peftGetsALoadableNameNeverAnObjectStoreUrl() {
    byte[] withHubId = "{\"_name_or_path\": \"meta-llama/Llama-2-7b-hf\"}".getBytes(StandardCharsets.UTF_8);
    byte[] withRemote = "{\"_name_or_path\": \"s3a://other/x\"}".getBytes(StandardCharsets.UTF_8);
    assertEquals("meta-llama/Llama-2-7b-hf", AdapterBase.loadableName("s3a://bucket/models/llama-7b/", withHubId));
    assertEquals("llama-7b", AdapterBase.loadableName("s3a://bucket/models/llama-7b/", withRemote));
    assertEquals("llama-7b", AdapterBase.loadableName("hdfs://nn:8020/models/llama-7b", "{}".getBytes(StandardCharsets.UTF_8)));
    assertEquals("/data/models/llama-7b", AdapterBase.loadableName("/data/models/llama-7b", withHubId));
    assertEquals("/data/models/llama-7b", AdapterBase.loadableName("file:/data/models/llama-7b", withHubId));
  }

  @Test
  void ourMetadataFindsTheBaseWherePeftsNameWouldNot() throws Exception {
    Path base = Files.createDirectories(dir.resolve("base"));
    Files.writeString(base.resolve("config.json"), "{\"model_type\": \"gpt2\", \"vocab_size\": 10, \"n_embd\": 8,"
        + " \"n_layer\": 1, \"n_head\": 2, \"n_positions\": 16}");
    Path adapter = Files.createDirectories(dir.resolve("adapter"));
    Files.writeString(adapter.resolve("adapter_config.json"),
        "{\"peft_type\": \"LORA\", \"base_model_name_or_path\": \"base-not-here\"}");
    Files.write(adapter.resolve(AdapterBase.FILE), AdapterBase.json(base.toString()));
    ModelSpec spec = ModelSpec.at(adapter.toString(), new Configuration(), "float32", null, 0);
    assertEquals(base.toString(), spec.basePath());
    assertEquals(adapter.toString(), spec.mergeAdapterPath());
  }
}
