package io.sparkrlhf.model.transformer;

import io.sparkrlhf.model.ops.Scalars;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.sparkrlhf.model.config.ModelConfig;
import java.util.List;

/**
 * Causal self-attention with grouped-query heads (LLaMA) or fused q/k/v (GPT-2's c_attn). The
 * caller passes an additive bias (causal, padding and document masks in one) and, for LLaMA, the
 * rotary cos/sin; past keys and values (the KV cache) are prepended when given.
 */
public final class Attention extends CompositeBlock {
  private final ModelConfig config;
  private final Dense q;
  private final Dense k;
  private final Dense v;
  private final Dense qkv;
  private final Dense o;
  private final Norm qNorm;
  private final Norm kNorm;

  /** Output and this layer's full keys/values (B, kvHeads, S, headDim), for the cache. */
  public record Result(NDArray output, NDArray keys, NDArray values) {}

  Attention(ModelConfig config) {
    this.config = config;
    int h = config.hiddenSize();
    int qDim = config.numHeads() * config.headDim(); // not always h: head_dim can be set apart
    int kvDim = config.numKvHeads() * config.headDim();
    if (config.family() == ModelConfig.Family.LLAMA) {
      q = addChildBlock("q_proj", new Dense(h, qDim, config.attentionBias()));
      k = addChildBlock("k_proj", new Dense(h, kvDim, config.attentionBias()));
      v = addChildBlock("v_proj", new Dense(h, kvDim, config.attentionBias()));
      qkv = null;
      o = addChildBlock("o_proj", new Dense(qDim, h, config.attentionOutputBias()));
    } else {
      q = k = v = null;
      qkv = addChildBlock("c_attn", new Dense(h, 3L * h, true));
      o = addChildBlock("c_proj", new Dense(h, h, true));
    }
    qNorm = config.qkNorm() ? addChildBlock("q_norm", Norm.rms(config.headDim(), config.normEps())) : null;
    kNorm = config.qkNorm() ? addChildBlock("k_norm", Norm.rms(config.headDim(), config.normEps())) : null;
  }

  /**
   * @param x (B, T, H)
   * @param bias (B, 1, T, S) additive mask, S = past + T
   * @param cos (B, 1, T, headDim) or null (GPT-2)
   * @param pastKeys (B, kvHeads, past, headDim) or null
   */
  public Result forward(ParameterStore ps, NDArray x, NDArray bias, NDArray cos, NDArray sin, NDArray pastKeys,
      NDArray pastValues, boolean training) {
    long b = x.getShape().get(0);
    long t = x.getShape().get(1);
    int heads = config.numHeads();
    int kvHeads = config.numKvHeads();
    int hd = config.headDim();
    NDArray queries;
    NDArray keys;
    NDArray values;
    if (qkv != null) {
      NDList parts = qkv.forward(ps, new NDList(x), training).singletonOrThrow().split(3, 2); // 3 × (B, T, H)
      queries = parts.get(0);
      keys = parts.get(1);
      values = parts.get(2);
    } else {
      queries = q.forward(ps, new NDList(x), training).singletonOrThrow();
      keys = k.forward(ps, new NDList(x), training).singletonOrThrow();
      values = v.forward(ps, new NDList(x), training).singletonOrThrow();
    }
    queries = queries.reshape(b, t, heads, hd); // (B, T, heads, hd)
    keys = keys.reshape(b, t, kvHeads, hd);
    if (qNorm != null) { // Qwen3: each head normalised on its own, before rotary
      queries = qNorm.forward(ps, new NDList(queries), training).singletonOrThrow();
      keys = kNorm.forward(ps, new NDList(keys), training).singletonOrThrow();
    }
    queries = queries.transpose(0, 2, 1, 3); // (B, heads, T, hd)
    keys = keys.transpose(0, 2, 1, 3); // (B, kvHeads, T, hd)
    values = values.reshape(b, t, kvHeads, hd).transpose(0, 2, 1, 3);
    if (cos != null) {
      queries = Rotary.apply(queries, cos, sin);
      keys = Rotary.apply(keys, cos, sin);
    }
    if (pastKeys != null) {
      keys = NDArrays.concat(new NDList(pastKeys, keys), 2); // (B, kvHeads, S, hd)
      values = NDArrays.concat(new NDList(pastValues, values), 2);
    }
    NDArray k4 = kvHeads == heads ? keys : keys.repeat(1, heads / kvHeads); // (B, heads, S, hd)
    NDArray v4 = kvHeads == heads ? values : values.repeat(1, heads / kvHeads);
    NDArray scores = Precision.widen(Scalars.div(queries.matMul(k4.transpose(0, 1, 3, 2)), Math.sqrt(hd))).add(bias); // (B, heads, T, S)
    NDArray weights = scores.softmax(-1).toType(v4.getDataType(), false);
    NDArray mixed = weights.matMul(v4); // (B, heads, T, hd)
    NDArray merged = mixed.transpose(0, 2, 1, 3).reshape(b, t, (long) heads * hd); // (B, T, H)
    return new Result(o.forward(ps, new NDList(merged), training).singletonOrThrow(), keys, values);
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
    Result r = forward(ps, in.get(0), in.get(1), in.size() > 2 ? in.get(2) : null, in.size() > 3 ? in.get(3) : null,
        null, null, training);
    return new NDList(r.output(), r.keys(), r.values());
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputs) {
    return new Shape[] {inputs[0]};
  }

  void modules(String prefix, java.util.Map<String, Dense> out) {
    if (qkv != null) {
      out.put(prefix + ".c_attn", qkv);
      out.put(prefix + ".c_proj", o);
    } else {
      out.put(prefix + ".q_proj", q);
      out.put(prefix + ".k_proj", k);
      out.put(prefix + ".v_proj", v);
      out.put(prefix + ".o_proj", o);
    }
  }

  void hfParameters(String prefix, List<HfParameter> out) {
    if (qkv != null) {
      qkv.hfParameters(prefix + ".c_attn", true, out);
      o.hfParameters(prefix + ".c_proj", true, out);
    } else {
      q.hfParameters(prefix + ".q_proj", false, out);
      k.hfParameters(prefix + ".k_proj", false, out);
      v.hfParameters(prefix + ".v_proj", false, out);
      o.hfParameters(prefix + ".o_proj", false, out);
    }
    if (qNorm != null) {
      qNorm.hfParameters(prefix + ".q_norm", out);
      kNorm.hfParameters(prefix + ".k_norm", out);
    }
  }
}
