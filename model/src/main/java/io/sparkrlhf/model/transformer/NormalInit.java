package io.sparkrlhf.model.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;

/**
 * N(0, σ²) drawn in float32 and cast to the model's type: libtorch's CPU random normal aborts the
 * JVM for bfloat16, so DJL's NormalInitializer cannot initialise a bf16 model.
 */
public final class NormalInit implements Initializer {
  private final float sigma;

  public NormalInit(float sigma) {
    this.sigma = sigma;
  }

  @Override
  public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
    NDArray values = manager.randomNormal(0f, sigma, shape, DataType.FLOAT32);
    return dataType == DataType.FLOAT32 ? values : values.toType(dataType, false);
  }
}
