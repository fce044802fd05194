package io.sparkrlhf.model.transformer;

import ai.djl.ndarray.NDArray;
import java.util.List;

/** Per layer, the keys and values seen so far: each (B, kvHeads, S, headDim). */
public record KvCache(List<NDArray> keys, List<NDArray> values) {
  public long length() {
    return keys.isEmpty() ? 0 : keys.get(0).getShape().get(2);
  }
}
