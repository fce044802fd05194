package io.sparkrlhf.model.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** Where half-precision models compute in float32 (norms, softmax), like transformers. */
final class Precision {
  private Precision() {}

  static boolean isHalf(DataType t) {
    return t == DataType.FLOAT16 || t == DataType.BFLOAT16;
  }

  /** float32 for half-precision input; the input itself otherwise (float32 and float64 stay). */
  static NDArray widen(NDArray x) {
    return isHalf(x.getDataType()) ? x.toType(DataType.FLOAT32, false) : x;
  }
}
