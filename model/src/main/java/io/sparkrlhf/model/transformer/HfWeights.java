package io.sparkrlhf.model.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.sparkrlhf.model.checkpoint.CheckpointTensors;
import io.sparkrlhf.model.checkpoint.DType;
import io.sparkrlhf.model.checkpoint.SafetensorsWriter;
import io.sparkrlhf.model.checkpoint.TensorInfo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Moves weights between an initialised {@link DecoderLM} and Hugging Face checkpoints by name.
 * GPT-2's Conv1D weights are stored {@code [in, out]} and transposed on the way in and out.
 */
public final class HfWeights {
  /** Buffers some checkpoints carry that are not parameters (GPT-2's causal mask, rotary caches). */
  private static final List<String> IGNORED_SUFFIXES = List.of(".attn.bias", ".attn.masked_bias", "rotary_emb.inv_freq");

  private HfWeights() {}

  /** Loads every parameter; any missing, unexpected or wrongly shaped tensor fails the whole load, listed. */
  public static void load(DecoderLM model, CheckpointTensors checkpoint) throws IOException {
    load(model, checkpoint, name -> false);
  }

  /**
   * Loads the transformer from a checkpoint that also holds head tensors ({@code headTensor}
   * matches them; they are left to the caller). A sequence-classification checkpoint (one with
   * head tensors) has no LM head, so a missing {@code lm_head.weight} is allowed there and the
   * head keeps its initial values.
   */
  public static void load(DecoderLM model, CheckpointTensors checkpoint, Predicate<String> headTensor) throws IOException {
    boolean classifier = checkpoint.names().stream().anyMatch(headTensor);
    List<HfParameter> params = new ArrayList<>(model.hfParameters());
    if (classifier && !checkpoint.names().contains("lm_head.weight")) {
      params.removeIf(p -> p.name().equals("lm_head.weight"));
    }
    Map<String, String> ckptName = checkpointNames(params, checkpoint.names());
    List<String> problems = new ArrayList<>();
    Set<String> expected = new LinkedHashSet<>();
    for (HfParameter p : params) {
      String name = ckptName.get(p.name());
      expected.add(name == null ? p.name() : name);
      if (name == null) {
        problems.add("missing tensor " + p.name() + " " + hfShape(p));
        continue;
      }
      TensorInfo info = checkpoint.info(name);
      if (!Arrays.equals(info.shape(), hfShape(p).getShape())) {
        problems.add("tensor " + name + " has shape " + Arrays.toString(info.shape()) + ", expected " + hfShape(p));
      }
    }
    for (String name : checkpoint.names()) {
      if (!expected.contains(name) && !ignorable(name, model) && !headTensor.test(name)) {
        problems.add("unexpected tensor " + name);
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(checkpoint.dir() + " does not fit a " + model.config().modelType()
          + " model of this config:\n  " + String.join("\n  ", problems));
    }
    for (HfParameter p : params) {
      assign(p, checkpoint.readFloats(ckptName.get(p.name())));
    }
  }

  /** The model's parameters as tensors to write, under HF names and in HF layout. */
  public static List<SafetensorsWriter.Tensor> tensors(DecoderLM model, DType dtype) {
    List<SafetensorsWriter.Tensor> out = new ArrayList<>();
    for (HfParameter p : model.hfParameters()) {
      out.add(new SafetensorsWriter.Tensor(p.name(), dtype, hfShape(p).getShape(), export(p)));
    }
    return out;
  }

  /** Sets a parameter from values in the checkpoint's layout. */
  public static void assign(HfParameter p, float[] hfValues) {
    Shape shape = p.parameter().getShape();
    if (hfValues.length != shape.size()) {
      throw new IllegalArgumentException(p.name() + ": " + hfValues.length + " values for shape " + shape);
    }
    float[] ours = p.transposed() ? transpose(hfValues, shape.get(1), shape.get(0)) : hfValues;
    NDArray target = p.parameter().getArray();
    // DJL's set() points the tensor at the given direct buffer and keeps it alive through `target`
    // (the parameter's own array). copyTo(target) from a temporary array must not be used: the
    // tensor would point into the temporary's memory, freed when it is closed.
    switch (target.getDataType()) {
      case FLOAT32 -> target.set(ours);
      case FLOAT64 -> {
        double[] wide = new double[ours.length];
        for (int i = 0; i < ours.length; i++) {
          wide[i] = ours[i];
        }
        target.set(java.nio.DoubleBuffer.wrap(wide));
      }
      case FLOAT16 -> {
        java.nio.ByteBuffer half = java.nio.ByteBuffer.allocateDirect(2 * ours.length).order(java.nio.ByteOrder.nativeOrder());
        for (float v : ours) {
          half.putShort(io.sparkrlhf.model.checkpoint.HalfFloats.floatToF16(v));
        }
        half.rewind();
        target.set(half);
      }
      default -> throw new IllegalArgumentException(p.name() + ": cannot assign values to a " + target.getDataType()
          + " parameter");
    }
  }

  /** A parameter's values in the checkpoint's layout. */
  public static float[] export(HfParameter p) {
    NDArray array = p.parameter().getArray();
    float[] values;
    if (array.getDataType() == DataType.FLOAT32) {
      values = array.toFloatArray();
    } else {
      try (NDArray widened = array.toType(DataType.FLOAT32, true)) {
        values = widened.toFloatArray();
      }
    }
    Shape shape = p.parameter().getShape();
    return p.transposed() ? transpose(values, shape.get(0), shape.get(1)) : values;
  }

  public static Shape hfShape(HfParameter p) {
    Shape s = p.parameter().getShape();
    return p.transposed() ? new Shape(s.get(1), s.get(0)) : s;
  }

  /** Row-major (rows × cols) to (cols × rows). */
  public static float[] transpose(float[] values, long rows, long cols) {
    float[] out = new float[values.length];
    int r = (int) rows;
    int c = (int) cols;
    for (int i = 0; i < r; i++) {
      for (int j = 0; j < c; j++) {
        out[j * r + i] = values[i * c + j];
      }
    }
    return out;
  }

  /** GPT-2 checkpoints exist with and without the "transformer." prefix. */
  private static Map<String, String> checkpointNames(List<HfParameter> params, Set<String> names) {
    Map<String, String> out = new HashMap<>();
    for (HfParameter p : params) {
      if (names.contains(p.name())) {
        out.put(p.name(), p.name());
      } else if (p.name().startsWith("transformer.") && names.contains(p.name().substring("transformer.".length()))) {
        out.put(p.name(), p.name().substring("transformer.".length()));
      }
    }
    return out;
  }

  private static boolean ignorable(String name, DecoderLM model) {
    if (name.equals("lm_head.weight") && model.config().tieWordEmbeddings()) {
      return true; // a tied head saved twice
    }
    return IGNORED_SUFFIXES.stream().anyMatch(name::endsWith);
  }
}
