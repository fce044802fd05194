package io.sparkrlhf.engine;

import io.sparkrlhf.model.train.Trainables;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/** Names and checkpoint shapes of the trainable tensors, in the order of the flat vector. */
public record TrainableLayout(List<String> names, List<long[]> shapes) implements Serializable {
  public static TrainableLayout of(Trainables t) {
    return new TrainableLayout(t.names(), new ArrayList<>(t.shapes()));
  }

  public int size() {
    long n = 0;
    for (long[] s : shapes) {
      long k = 1;
      for (long d : s) {
        k *= d;
      }
      n += k;
    }
    return (int) n;
  }

  /** The slice of {@code flat} that tensor {@code i} occupies. */
  public float[] slice(float[] flat, int i) {
    int at = 0;
    for (int j = 0; j < i; j++) {
      at += count(j);
    }
    float[] out = new float[count(i)];
    System.arraycopy(flat, at, out, 0, out.length);
    return out;
  }

  /** Names of the tensors holding NaN or ±∞ in {@code flat} (for the warning of a skipped step). */
  public List<String> nonFinite(float[] flat) {
    List<String> out = new ArrayList<>();
    int at = 0;
    for (int i = 0; i < names.size(); i++) {
      int n = count(i);
      for (int j = at; j < at + n; j++) {
        if (!Float.isFinite(flat[j])) {
          out.add(names.get(i));
          break;
        }
      }
      at += n;
    }
    return out;
  }

  int count(int i) {
    long k = 1;
    for (long d : shapes.get(i)) {
      k *= d;
    }
    return (int) k;
  }
}
