package io.sparkrlhf.model.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Arithmetic with a constant that is safe under autograd. DJL's {@code x.mul(0.5)} wraps the
 * constant in a tensor over a Java direct buffer and closes it right after the op; when the op's
 * backward needs the constant (mul, div, pow, maximum), libtorch later reads a buffer the garbage
 * collector may already have freed, and gradients come out as NaN or garbage whenever a GC ran in
 * between. Here the constant is a libtorch-owned 0-d tensor in the operand's manager, alive until
 * that manager (the micro-batch's scope) closes, after backward.
 */
public final class Scalars {
  private Scalars() {}

  /** A 0-d tensor of {@code value}, of {@code like}'s type, in {@code like}'s manager. */
  public static NDArray like(NDArray like, double value) {
    return like.getManager().full(new Shape(), (float) value, like.getDataType()).toDevice(like.getDevice(), false);
  }

  public static NDArray mul(NDArray x, double c) {
    return x.mul(like(x, c));
  }

  public static NDArray div(NDArray x, double c) {
    return x.div(like(x, c));
  }

  public static NDArray pow(NDArray x, double c) {
    return x.pow(like(x, c));
  }

  public static NDArray maximum(NDArray x, double c) {
    return x.maximum(like(x, c));
  }
}
