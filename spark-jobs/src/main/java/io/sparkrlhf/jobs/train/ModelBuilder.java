package io.sparkrlhf.jobs.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.sparkrlhf.model.checkpoint.CheckpointTensors;
import io.sparkrlhf.model.config.ModelConfig;
import io.sparkrlhf.model.transformer.DecoderLM;
import io.sparkrlhf.model.transformer.HfParameter;
import io.sparkrlhf.model.transformer.HfWeights;
import io.sparkrlhf.model.transformer.PeftAdapter;
import io.sparkrlhf.model.transformer.SeededInit;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/** Builds the transformer a {@link ModelSpec} describes, on an executor. */
public final class ModelBuilder {
  /** Tensors of heads (a reward model's score, a value head) that are not the transformer's. */
  public static final Predicate<String> HEAD_TENSOR =
      name -> name.startsWith("score.") || name.startsWith("v_head.") || name.startsWith("base_model.model.score.");

  /** PEFT's prefix for a module saved in full beside the adapters (modules_to_save). */
  public static final String PEFT_PREFIX = "base_model.model.";

  private ModelBuilder() {}

  /** The transformer, and head tensors found in its checkpoint by name (a reward model's score.weight). */
  public record Built(DecoderLM model, Map<String, float[]> headTensors) {}

  public static Built build(ModelSpec spec, NDManager manager) throws IOException {
    DataType dtype = spec.dataType();
    ModelConfig config = spec.config();
    DecoderLM model = new DecoderLM(config);
    model.initialize(manager, dtype, new Shape(1, 1));
    Map<String, float[]> heads = new HashMap<>();
    if (spec.basePath() == null) {
      SeededInit.apply(model.hfParameters(), spec.initSeed());
    } else {
      Path local = LocalCopies.of(spec.basePath());
      try (CheckpointTensors tensors = CheckpointTensors.open(local)) {
        HfWeights.load(model, tensors, HEAD_TENSOR);
        for (String name : tensors.names()) {
          if (HEAD_TENSOR.test(name)) {
            heads.put(name, tensors.readFloats(name));
          }
        }
      }
    }
    if (spec.mergeAdapterPath() != null) {
      Path adapter = LocalCopies.of(spec.mergeAdapterPath());
      PeftAdapter.load(model, adapter, manager, dtype, HEAD_TENSOR);
      model.mergeAdapters();
      try (CheckpointTensors tensors = CheckpointTensors.openPrefixed(adapter, "adapter_model")) {
        for (String name : tensors.names()) {
          if (HEAD_TENSOR.test(name)) {
            heads.put(name.replace(PEFT_PREFIX, ""), tensors.readFloats(name));
          }
        }
      }
    }
    if (spec.lora() != null) {
      model.enableLora(spec.lora().toConfig(), manager, dtype, spec.loraSeed());
    } else {
      for (HfParameter p : model.hfParameters()) {
        p.parameter().freeze(false); // full fine-tuning, also after merging an adapter froze the base
      }
    }
    return new Built(model, heads);
  }
}
