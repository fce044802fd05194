package io.sparkrlhf.model.checkpoint;

import java.util.Arrays;

/** One header entry: where a tensor's bytes lie, relative to the start of the data section. */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

  public long elements() {
    long n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  public long bytes() {
    return end - begin;
  }

  @Override
  public String toString() {
    return name + " " + dtype + Arrays.toString(shape);
  }
}
