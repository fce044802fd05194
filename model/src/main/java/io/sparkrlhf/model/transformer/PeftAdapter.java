package io.sparkrlhf.model.transformer;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkrlhf.model.checkpoint.CheckpointTensors;
import io.sparkrlhf.model.checkpoint.CheckpointWriter;
import io.sparkrlhf.model.checkpoint.DType;
import io.sparkrlhf.model.checkpoint.SafetensorsWriter;
import io.sparkrlhf.model.config.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * LoRA adapters in PEFT's directory format: {@code adapter_config.json} and
 * {@code adapter_model.safetensors} with keys {@code base_model.model.<module>.lora_A.weight}, so
 * {@code PeftModel.from_pretrained(base, dir)} loads what we train and we load what PEFT trained.
 */
public final class PeftAdapter {
  public static final String CONFIG = "adapter_config.json";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private PeftAdapter() {}

  public static void save(DecoderLM model, LoraConfig lora, Path dir, String baseModel) throws IOException {
    List<HfParameter> params = model.loraParameters();
    if (params.isEmpty()) {
      throw new IllegalStateException("the model has no LoRA adapters to save");
    }
    List<SafetensorsWriter.Tensor> tensors = new ArrayList<>();
    for (HfParameter p : params) {
      tensors.add(new SafetensorsWriter.Tensor(p.name(), DType.F32, p.parameter().getShape().getShape(), HfWeights.export(p)));
    }
    CheckpointWriter.write(dir, "adapter_model", tensors, Long.MAX_VALUE, Map.of("format", "pt"));
    Files.write(dir.resolve(CONFIG), configJson(lora, model.config(), baseModel, "CAUSAL_LM", List.of()));
  }

  /**
   * adapter_config.json for {@code lora} on a model of {@code config}'s family. {@code taskType}
   * is PEFT's (CAUSAL_LM, SEQ_CLS); {@code modulesToSave} are modules trained in full beside the
   * adapters (a reward model's "score"), whose tensors PEFT stores as
   * {@code base_model.model.<module>.weight}.
   */
  public static byte[] configJson(LoraConfig lora, ModelConfig config, String baseModel, String taskType,
      List<String> modulesToSave) throws IOException {
    ObjectNode c = JSON.createObjectNode();
    c.put("peft_type", "LORA");
    c.put("task_type", taskType);
    c.put("base_model_name_or_path", baseModel);
    c.put("r", lora.rank());
    c.put("lora_alpha", lora.alpha());
    c.put("lora_dropout", lora.dropout());
    new TreeSet<>(lora.targetModules()).forEach(c.putArray("target_modules")::add);
    c.put("bias", "none");
    // GPT-2's Conv1D stores weights [in, out]; PEFT records it so merging transposes the update.
    c.put("fan_in_fan_out", config.family() == ModelConfig.Family.GPT2);
    c.put("inference_mode", true);
    if (modulesToSave.isEmpty()) {
      c.putNull("modules_to_save");
    } else {
      modulesToSave.forEach(c.putArray("modules_to_save")::add);
    }
    return JSON.writeValueAsBytes(c);
  }

  public static LoraConfig readConfig(Path dir) throws IOException {
    Path file = dir.resolve(CONFIG);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no " + CONFIG + " in " + dir);
    }
    JsonNode c = JSON.readTree(file.toFile());
    if (!"LORA".equalsIgnoreCase(c.path("peft_type").asText())) {
      throw new IllegalArgumentException(file + ": peft_type " + c.path("peft_type") + " is not supported (LORA is)");
    }
    if (!c.path("bias").asText("none").equals("none")) {
      throw new IllegalArgumentException(file + ": bias '" + c.path("bias").asText() + "' is not supported (none is)");
    }
    Set<String> targets = new LinkedHashSet<>();
    c.path("target_modules").forEach(t -> targets.add(t.asText()));
    return new LoraConfig(c.path("r").asInt(), c.path("lora_alpha").asDouble(), c.path("lora_dropout").asDouble(0), targets);
  }

  /** Adds adapters as the directory describes and loads their weights; returns the config. */
  public static LoraConfig load(DecoderLM model, Path dir, NDManager manager, DataType dtype) throws IOException {
    return load(model, dir, manager, dtype, name -> false);
  }

  /** As {@link #load}, leaving tensors that {@code savedModule} matches (modules_to_save) to the caller. */
  public static LoraConfig load(DecoderLM model, Path dir, NDManager manager, DataType dtype,
      java.util.function.Predicate<String> savedModule) throws IOException {
    LoraConfig lora = readConfig(dir);
    model.enableLora(lora, manager, dtype, 0L);
    try (CheckpointTensors tensors = CheckpointTensors.openPrefixed(dir, "adapter_model")) {
      List<String> problems = new ArrayList<>();
      Set<String> expected = new LinkedHashSet<>();
      for (HfParameter p : model.loraParameters()) {
        String name = p.name();
        String withDefault = name.replace(".lora_A.weight", ".lora_A.default.weight").replace(".lora_B.weight", ".lora_B.default.weight");
        String found = tensors.names().contains(name) ? name : tensors.names().contains(withDefault) ? withDefault : null;
        expected.add(found == null ? name : found);
        if (found == null) {
          problems.add("missing tensor " + name);
        } else if (!Arrays.equals(tensors.info(found).shape(), p.parameter().getShape().getShape())) {
          problems.add("tensor " + found + " has shape " + Arrays.toString(tensors.info(found).shape()) + ", expected "
              + p.parameter().getShape());
        }
      }
      for (String name : tensors.names()) {
        if (!expected.contains(name) && !savedModule.test(name)) {
          problems.add("unexpected tensor " + name);
        }
      }
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException(dir + " does not fit this model:\n  " + String.join("\n  ", problems));
      }
      List<HfParameter> params = model.loraParameters();
      List<String> names = new ArrayList<>(expected);
      for (int i = 0; i < params.size(); i++) {
        HfWeights.assign(params.get(i), tensors.readFloats(names.get(i)));
      }
    }
    return lora;
  }
}
