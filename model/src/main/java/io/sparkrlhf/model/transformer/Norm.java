package io.sparkrlhf.model.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;
import java.util.List;

/**
 * LLaMA's RMSNorm, {@code x / sqrt(mean(x²) + eps) · g}, or GPT-2's LayerNorm,
 * {@code (x − mean) / sqrt(var + eps) · g + b}, over the last axis.
 */
public final class Norm extends AbstractBlock {
  private final boolean rms;
  private final long dim;
  private final float eps;
  private final Parameter weight;
  private final Parameter bias;

  private Norm(boolean rms, long dim, double eps) {
    this.rms = rms;
    this.dim = dim;
    this.eps = (float) eps;
    this.weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.GAMMA)
        .optShape(new Shape(dim)).optInitializer(new ConstantInitializer(1f)).build());
    this.bias = rms ? null : addParameter(Parameter.builder().setName("bias").setType(Parameter.Type.BETA)
        .optShape(new Shape(dim)).optInitializer(new ConstantInitializer(0f)).build());
  }

  public static Norm rms(long dim, double eps) {
    return new Norm(true, dim, eps);
  }

  public static Norm layer(long dim, double eps) {
    return new Norm(false, dim, eps);
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow(); // (..., dim)
    NDArray g = ps.getValue(weight, x.getDevice(), training);
    if (rms) {
      // In float32 for half-precision models, as transformers does: the mean of squares overflows in fp16.
      NDArray x32 = Precision.widen(x);
      NDArray meanSquare = x32.square().mean(new int[] {-1}, true); // (..., 1)
      return new NDList(x32.div(meanSquare.add(eps).sqrt()).toType(x.getDataType(), false).mul(g));
    }
    NDArray b = ps.getValue(bias, x.getDevice(), training);
    return x.getNDArrayInternal().layerNorm(x, new Shape(dim), g, b, eps);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputs) {
    return inputs;
  }

  void hfParameters(String prefix, List<HfParameter> out) {
    out.add(new HfParameter(prefix + ".weight", weight, false));
    if (bias != null) {
      out.add(new HfParameter(prefix + ".bias", bias, false));
    }
  }
}
