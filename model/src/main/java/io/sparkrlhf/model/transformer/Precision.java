package io.sparkrlhf.model.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** Where half-precision models compute in float32 (norms, softmax), like transformers. */
final class Precision {
  private Precision() {}

  /**
   * bfloat16 is what LLaMA checkpoints ship in, but any bfloat16 tensor (a cast, zeros) aborts the
   * JVM in DJL's PyTorch engine ("terminate called without an active exception"), which on a
   * cluster would kill the executor: its JNI maps DJL's data types to libtorch's by a switch with no
   * bfloat16 case and a bare {@code throw;} (0.32 with libtorch 2.5.1 and 0.36 with 2.7.1 alike; a
   * cast of a 2×2 float tensor aborts). Refuse it with a message instead; float16 works.
   */
  static void requireSupported(DataType t) {
    if (t == DataType.BFLOAT16) {
      throw new IllegalArgumentException("bfloat16 is not usable with DJL's PyTorch engine (0.32 to 0.36: any bf16"
          + " tensor aborts the JVM); use float16 on GPU or float32 (bf16 checkpoints load fine: they are converted)");
    }
    if (t != DataType.FLOAT32 && t != DataType.FLOAT64 && t != DataType.FLOAT16) {
      throw new IllegalArgumentException("model precision must be float32, float16 or float64, found " + t);
    }
  }

  static boolean isHalf(DataType t) {
    return t == DataType.FLOAT16 || t == DataType.BFLOAT16;
  }

  /** float32 for half-precision input; the input itself otherwise (float32 and float64 stay). */
  static NDArray widen(NDArray x) {
    return isHalf(x.getDataType()) ? x.toType(DataType.FLOAT32, false) : x;
  }
}
