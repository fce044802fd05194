package io.sparkrlhf.model.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;
import java.util.List;

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
        .optShape(new Shape(out, in)).optInitializer(new NormalInitializer(0.02f)).build());
    this.bias = withBias ? addParameter(Parameter.builder().setName("bias").setType(Parameter.Type.BIAS)
        .optShape(new Shape(out)).optInitializer(new ConstantInitializer(0f)).build()) : null;
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow(); // (..., in)
    NDArray w = ps.getValue(weight, x.getDevice(), training);
    NDArray b = bias == null ? null : ps.getValue(bias, x.getDevice(), training);
    return x.getNDArrayInternal().linear(x, w, b); // (..., out)
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
