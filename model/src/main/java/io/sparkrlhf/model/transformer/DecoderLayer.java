package io.sparkrlhf.model.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.sparkrlhf.model.config.ModelConfig;
import java.util.List;

/** Pre-norm block: h = x + attn(norm₁(x)); out = h + mlp(norm₂(h)). */
public final class DecoderLayer extends CompositeBlock {
  private final ModelConfig config;
  private final Norm norm1;
  private final Attention attention;
  private final Norm norm2;
  private final Mlp mlp;

  DecoderLayer(ModelConfig config) {
    this.config = config;
    boolean llama = config.family() == ModelConfig.Family.LLAMA;
    norm1 = addChildBlock("norm1", llama ? Norm.rms(config.hiddenSize(), config.normEps())
        : Norm.layer(config.hiddenSize(), config.normEps()));
    attention = addChildBlock("attention", new Attention(config));
    norm2 = addChildBlock("norm2", llama ? Norm.rms(config.hiddenSize(), config.normEps())
        : Norm.layer(config.hiddenSize(), config.normEps()));
    mlp = addChildBlock("mlp", new Mlp(config));
  }

  /** x (B, T, H) → output (B, T, H) with this layer's keys and values. */
  public Attention.Result forward(ParameterStore ps, NDArray x, NDArray bias, NDArray cos, NDArray sin,
      NDArray pastKeys, NDArray pastValues, boolean training) {
    NDArray normed = norm1.forward(ps, new NDList(x), training).singletonOrThrow();
    Attention.Result a = attention.forward(ps, normed, bias, cos, sin, pastKeys, pastValues, training);
    NDArray h = x.add(a.output());
    NDArray m = mlp.forward(ps, norm2.forward(ps, new NDList(h), training), training).singletonOrThrow();
    return new Attention.Result(h.add(m), a.keys(), a.values());
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
    Attention.Result r = forward(ps, in.get(0), in.get(1), in.size() > 2 ? in.get(2) : null,
        in.size() > 3 ? in.get(3) : null, null, null, training);
    return new NDList(r.output(), r.keys(), r.values());
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputs) {
    return new Shape[] {inputs[0]};
  }

  void modules(String prefix, java.util.Map<String, Dense> out) {
    boolean llama = config.family() == ModelConfig.Family.LLAMA;
    attention.modules(prefix + (llama ? ".self_attn" : ".attn"), out);
    mlp.modules(prefix + ".mlp", out);
  }

  void hfParameters(String prefix, List<HfParameter> out) {
    boolean llama = config.family() == ModelConfig.Family.LLAMA;
    norm1.hfParameters(prefix + (llama ? ".input_layernorm" : ".ln_1"), out);
    attention.hfParameters(prefix + (llama ? ".self_attn" : ".attn"), out);
    norm2.hfParameters(prefix + (llama ? ".post_attention_layernorm" : ".ln_2"), out);
    mlp.hfParameters(prefix + ".mlp", out);
  }
}
