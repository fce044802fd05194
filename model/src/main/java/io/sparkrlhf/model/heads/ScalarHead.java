package io.sparkrlhf.model.heads;

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
import io.sparkrlhf.model.transformer.HfParameter;
import java.util.List;

/**
 * hidden (B, T, H) → one number per token: PPO's value head (TRL's {@code v_head.summary}, with
 * bias) or the reward model's score (transformers' {@code score}, no bias), which
 * {@link #atLastToken} reads at each row's last real token, as sequence-classification models do.
 */
public final class ScalarHead extends AbstractBlock {
  private final String hfName;
  private final Parameter weight;
  private final Parameter bias;

  private ScalarHead(long hidden, String hfName, boolean withBias) {
    this.hfName = hfName;
    weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.WEIGHT)
        .optShape(new Shape(1, hidden)).optInitializer(new io.sparkrlhf.model.transformer.NormalInit(1f / (float) Math.sqrt(hidden))).build());
    bias = withBias ? addParameter(Parameter.builder().setName("bias").setType(Parameter.Type.BIAS)
        .optShape(new Shape(1)).optInitializer(new ConstantInitializer(0f)).build()) : null;
  }

  public static ScalarHead value(long hidden) {
    return new ScalarHead(hidden, "v_head.summary", true);
  }

  public static ScalarHead reward(long hidden) {
    return new ScalarHead(hidden, "score", false);
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
    NDArray h = in.singletonOrThrow(); // (B, T, H)
    NDArray w = ps.getValue(weight, h.getDevice(), training);
    NDArray b = bias == null ? null : ps.getValue(bias, h.getDevice(), training);
    return new NDList(h.getNDArrayInternal().linear(h, w, b).singletonOrThrow().squeeze(-1)); // (B, T)
  }

  /** Per-token values (B, T). */
  public NDArray perToken(ParameterStore ps, NDArray hidden, boolean training) {
    return forward(ps, new NDList(hidden), training).singletonOrThrow();
  }

  /**
   * The score at each row's last real token (B): the highest index where {@code attentionMask} is
   * 1, so right and left padding both work.
   */
  public NDArray atLastToken(ParameterStore ps, NDArray hidden, NDArray attentionMask, boolean training) {
    NDArray perToken = perToken(ps, hidden, training); // (B, T)
    NDManager m = hidden.getManager();
    long t = attentionMask.getShape().get(1);
    NDArray index = m.arange(1L, t + 1).toType(DataType.INT64, false).expandDims(0) // (1, T): 1..T
        .mul(attentionMask.toType(DataType.INT64, false)).argMax(1).expandDims(1); // (B, 1)
    return perToken.gather(index, 1).squeeze(1);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputs) {
    return new Shape[] {inputs[0].slice(0, 2)};
  }

  public List<HfParameter> hfParameters() {
    return bias == null
        ? List.of(new HfParameter(hfName + ".weight", weight, false))
        : List.of(new HfParameter(hfName + ".weight", weight, false), new HfParameter(hfName + ".bias", bias, false));
  }

  public void initialize(NDManager manager, DataType dtype) {
    initialize(manager, dtype, new Shape(1, 1, weight.getShape().get(1)));
  }

}
