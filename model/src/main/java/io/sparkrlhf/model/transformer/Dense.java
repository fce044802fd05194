package io.sparkrlhf.model.transformer;

import io.sparkrlhf.model.ops.NoGrad;
import io.sparkrlhf.model.ops.Scalars;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;
import java.util.List;
import java.util.Random;

/** y = x Wᵀ + b with W stored {@code [out, in]} (PyTorch's Linear layout). */
public final class Dense extends AbstractBlock {
  private final long in;
  private final long out;
  private final Parameter weight;
  private final Parameter bias;

  public Dense(long in, long out, boolean withBias) {
    this.in = in;
    this.out = out;
    this.weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.WEIGHT)
        .optShape(new Shape(out, in)).optInitializer(new NormalInit(0.02f)).build());
    this.bias = withBias ? addParameter(Parameter.builder().setName("bias").setType(Parameter.Type.BIAS)
        .optShape(new Shape(out)).optInitializer(new ConstantInitializer(0f)).build()) : null;
  }

  /**
   * A low-rank update ΔW = (α/r)·B·A with A (r, in), B (out, r); {@code enabled} switches it off.
   * Dropout on its input draws the mask of {@code keys} for module {@code module}.
   */
  private static final class Lora {
    final Parameter a;
    final Parameter b;
    final float scaling;
    final double dropout;
    final DropoutKeys keys;
    final int module;
    boolean enabled = true;

    Lora(Parameter a, Parameter b, float scaling, double dropout, DropoutKeys keys, int module) {
      this.a = a;
      this.b = b;
      this.scaling = scaling;
      this.dropout = dropout;
      this.keys = keys;
      this.module = module;
    }
  }

  private Lora lora;

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow(); // (..., in)
    NDArray w = ps.getValue(weight, x.getDevice(), training);
    NDArray b = bias == null ? null : ps.getValue(bias, x.getDevice(), training);
    NDArray y = x.getNDArrayInternal().linear(x, w, b).singletonOrThrow(); // (..., out)
    if (lora != null && lora.enabled) {
      NDArray a = ps.getValue(lora.a, x.getDevice(), training);
      NDArray up = ps.getValue(lora.b, x.getDevice(), training);
      NDArray in = training && lora.dropout > 0
          ? DropoutMasks.apply(x, lora.dropout, lora.keys.forModule(lora.module)) : x;
      NDArray low = in.getNDArrayInternal().linear(in, a, null).singletonOrThrow(); // (..., r)
      y = y.add(Scalars.mul(low.getNDArrayInternal().linear(low, up, null).singletonOrThrow(), lora.scaling));
    }
    return new NDList(y);
  }

  /**
   * Adds an adapter: A uniform in ±1/√in (PEFT's kaiming-uniform with a = √5), B zero, so the
   * output is unchanged until B is trained. The base weight and bias are frozen.
   */
  void attachLora(int rank, double alpha, double dropout, DropoutKeys keys, int module, NDManager manager,
      DataType dtype, Random rnd) {
    if (lora != null) {
      throw new IllegalStateException("this module already has an adapter");
    }
    Parameter a = addParameter(Parameter.builder().setName("lora_A").setType(Parameter.Type.WEIGHT)
        .optShape(new Shape(rank, in)).optInitializer(new ConstantInitializer(0f)).build());
    Parameter b = addParameter(Parameter.builder().setName("lora_B").setType(Parameter.Type.WEIGHT)
        .optShape(new Shape(out, rank)).optInitializer(new ConstantInitializer(0f)).build());
    a.initialize(manager, dtype);
    b.initialize(manager, dtype);
    float bound = (float) (1 / Math.sqrt(in));
    float[] values = new float[(int) (rank * in)];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
    }
    HfWeights.assign(new HfParameter("lora_A", a, false), values);
    weight.freeze(true);
    if (bias != null) {
      bias.freeze(true);
    }
    lora = new Lora(a, b, (float) (alpha / rank), dropout, keys, module);
  }

  void setLoraEnabled(boolean enabled) {
    if (lora != null) {
      lora.enabled = enabled;
    }
  }

  /**
   * W ← W + (α/r)·B·A, then the adapter is dropped; the merged module is a plain Linear again. Not
   * recorded: A and B require gradients, and a recorded in-place add would turn W from a leaf into
   * the output of the merge's graph (no gradient of its own, a second backward through the freed
   * graph fails, and it can no longer be frozen or unfrozen).
   */
  void mergeLora() {
    if (lora == null) {
      return;
    }
    NoGrad.run(() -> {
      try (NDArray delta = lora.b.getArray().matMul(lora.a.getArray()).mul(lora.scaling)) {
        weight.getArray().addi(delta);
      }
    });
    parameters.remove(lora.a.getName());
    parameters.remove(lora.b.getName());
    lora.a.close();
    lora.b.close();
    lora = null;
  }

  boolean hasLora() {
    return lora != null;
  }

  /** PEFT names: {@code <module>.lora_A.weight} (r, in) and {@code <module>.lora_B.weight} (out, r). */
  void loraParameters(String module, List<HfParameter> out) {
    if (lora != null) {
      out.add(new HfParameter(module + ".lora_A.weight", lora.a, false));
      out.add(new HfParameter(module + ".lora_B.weight", lora.b, false));
    }
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputs) {
    return new Shape[] {inputs[0].slice(0, inputs[0].dimension() - 1).add(out)};
  }

  public long inFeatures() {
    return in;
  }

  public Parameter weight() {
    return weight;
  }

  /** Adds {@code prefix.weight} (and {@code prefix.bias}) to {@code out}. */
  void hfParameters(String prefix, boolean transposed, List<HfParameter> outList) {
    outList.add(new HfParameter(prefix + ".weight", weight, transposed));
    if (bias != null) {
      outList.add(new HfParameter(prefix + ".bias", bias, false));
    }
  }
}
