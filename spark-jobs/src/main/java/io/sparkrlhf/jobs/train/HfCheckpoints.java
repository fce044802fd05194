package io.sparkrlhf.jobs.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkrlhf.engine.TrainableLayout;
import io.sparkrlhf.model.checkpoint.CheckpointWriter;
import io.sparkrlhf.model.checkpoint.DType;
import io.sparkrlhf.model.checkpoint.SafetensorsWriter;
import io.sparkrlhf.model.hub.HfModelDirectory;
import io.sparkrlhf.model.transformer.PeftAdapter;
import io.sparkrlhf.spark.JvmHadoopConf;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;

/**
 * Writes trainable values as a Hugging Face directory on the driver, without building a model:
 * full weights ({@code config.json} + {@code model.safetensors}, sharded past 4 GiB) or a PEFT adapter
 * ({@code adapter_config.json} + {@code adapter_model.safetensors}). Values are float32 in
 * checkpoint layout already, under their HF names.
 */
public final class HfCheckpoints {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long SHARD_BYTES = 4L << 30;

  private HfCheckpoints() {}

  public static List<SafetensorsWriter.Tensor> tensors(TrainableLayout layout, float[] values) {
    List<SafetensorsWriter.Tensor> out = new ArrayList<>();
    for (int i = 0; i < layout.names().size(); i++) {
      out.add(new SafetensorsWriter.Tensor(layout.names().get(i), DType.F32, layout.shapes().get(i), layout.slice(values, i)));
    }
    return out;
  }

  /**
   * Full weights. {@code sequenceClassifier}: the config names {@code XForSequenceClassification}
   * with one label (a reward model), as transformers expects beside a {@code score.weight}.
   */
  public static void writeFull(Path dir, ModelSpec spec, TrainableLayout layout, float[] values, boolean sequenceClassifier)
      throws IOException {
    CheckpointWriter.write(dir, "model", tensors(layout, values), SHARD_BYTES, Map.of("format", "pt"));
    ObjectNode config = (ObjectNode) JSON.readTree(spec.configJson());
    if (sequenceClassifier) {
      String family = switch (spec.config().modelType()) {
        case "llama" -> "Llama";
        case "mistral" -> "Mistral";
        case "qwen2" -> "Qwen2";
        default -> "GPT2";
      };
      config.putArray("architectures").add(family + "ForSequenceClassification");
      config.put("num_labels", 1);
      config.putObject("id2label").put("0", "LABEL_0");
      config.putObject("label2id").put("LABEL_0", 0);
      // transformers' sequence classifiers find each row's last token by pad_token_id.
      Integer pad = spec.config().padTokenId() != null ? spec.config().padTokenId() : spec.config().eosTokenId();
      if (pad != null && !config.hasNonNull("pad_token_id")) {
        config.put("pad_token_id", pad);
      }
    }
    copyTokenizerFiles(spec, dir);
    Files.write(dir.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
  }

  /** A PEFT adapter over {@code spec}'s base; {@code modulesToSave} (e.g. "score") are trained in full beside it. */
  public static void writeAdapter(Path dir, ModelSpec spec, TrainableLayout layout, float[] values, String taskType,
      List<String> modulesToSave) throws IOException {
    List<SafetensorsWriter.Tensor> tensors = new ArrayList<>();
    for (SafetensorsWriter.Tensor t : tensors(layout, values)) {
      String name = t.name().startsWith(ModelBuilder.PEFT_PREFIX) ? t.name() : ModelBuilder.PEFT_PREFIX + t.name();
      tensors.add(new SafetensorsWriter.Tensor(name, t.dtype(), t.shape(), t.values()));
    }
    CheckpointWriter.write(dir, "adapter_model", tensors, SHARD_BYTES, Map.of("format", "pt"));
    copyTokenizerFiles(spec, dir);
    Files.write(dir.resolve(PeftAdapter.CONFIG), PeftAdapter.configJson(spec.lora().toConfig(), spec.config(),
        AdapterBase.loadableName(spec.basePath(), spec.configJson()), taskType, modulesToSave));
    if (spec.basePath() != null) {
      Files.write(dir.resolve(AdapterBase.FILE), AdapterBase.json(spec.basePath()));
    }
  }

  /**
   * The tokenizer the checkpoint carries: the training data's (its identity, and its files when the
   * data kept them). Otherwise, the files of the model the run started from: for data of the built-in
   * GPT-2 BPE, which has no files, {@link TokenizerCheck} made sure they are the same tokenizer; for
   * data prepared before tokenizers were recorded, they are all there is.
   */
  private static void copyTokenizerFiles(ModelSpec spec, Path dir) throws IOException {
    CarriedTokenizer carried = spec.tokenizer();
    boolean recorded = carried != null && carried.identity().fingerprinted();
    if (recorded) {
      Files.write(dir.resolve(TokenizerIdentity.FILE), carried.identity().toJson());
    }
    String from = carried != null && carried.filesDir() != null ? carried.filesDir() : spec.basePath();
    if (from == null) {
      return;
    }
    List<String> names = new ArrayList<>(HfModelDirectory.TOKENIZER_FILES);
    if (!recorded) {
      names.add(TokenizerIdentity.FILE);
    }
    org.apache.hadoop.fs.Path source = new org.apache.hadoop.fs.Path(from);
    FileSystem fs = source.getFileSystem(JvmHadoopConf.get());
    for (String name : names) {
      org.apache.hadoop.fs.Path f = new org.apache.hadoop.fs.Path(source, name);
      if (fs.exists(f)) {
        try (InputStream in = fs.open(f)) {
          Files.copy(in, dir.resolve(name));
        }
      }
    }
  }
}
